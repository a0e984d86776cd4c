import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmaction.utils import register_all_modules

register_all_modules(init_default_scope=True)


def recognizer(test_cfg=None, segments=4, classes=5):
    model = MODELS.build(dict(
        type='TDNRecognizer',
        backbone=dict(type='ResNetTDN', depth=18, num_segments=segments,
                      pretrained=None),
        cls_head=dict(type='TSMHead', num_classes=classes, in_channels=512,
                      num_segments=segments, is_shift=True,
                      dropout_ratio=0.5, init_std=0.001,
                      average_clips='prob'),
        data_preprocessor=dict(type='ActionDataPreprocessor',
                               mean=[123.675, 116.28, 103.53],
                               std=[58.395, 57.12, 57.375],
                               format_shape='NCHW'),
        test_cfg=test_cfg))
    model.init_weights()
    return model


def batch(n, views, segments=4, size=32, classes=5):
    torch.manual_seed(0)
    return dict(
        inputs=[torch.randint(0, 255, (views * segments * 5, 3, size, size),
                              dtype=torch.uint8) for _ in range(n)],
        data_samples=[ActionDataSample().set_gt_label(i % classes)
                      for i in range(n)])


def test_train_step_one_view():
    from mmengine.optim import OptimWrapper
    model = recognizer()
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01))
    losses = model.train_step(batch(2, 1), wrapper)
    assert torch.isfinite(losses['loss_cls'])


def test_test_step_one_and_six_views():
    model = recognizer().eval()
    out = model.test_step(batch(2, 1))
    assert len(out) == 2 and out[0].pred_score.shape == (5, )
    out = model.test_step(batch(2, 6))  # 2 clips x 3 crops
    assert out[0].pred_score.shape == (5, )
    assert torch.allclose(out[0].pred_score.sum(), torch.tensor(1.))


def test_multi_view_scores_average_the_views():
    model = recognizer().eval()
    data = batch(1, 6)
    views = model.test_step(data)[0].pred_score
    probs = []
    for v in range(6):
        one = dict(inputs=[data['inputs'][0][v * 20:(v + 1) * 20]],
                   data_samples=[ActionDataSample().set_gt_label(0)])
        probs.append(model.test_step(one)[0].pred_score)
    torch.testing.assert_close(views, torch.stack(probs).mean(0))


def test_max_testing_views_splits_whole_views():
    model = recognizer().eval()
    data = batch(2, 6)
    full = torch.stack([s.pred_score for s in model.test_step(data)])
    model.test_cfg = dict(max_testing_views=4)
    split = torch.stack([s.pred_score for s in model.test_step(data)])
    torch.testing.assert_close(full, split)


def test_keep_view_scores():
    model = recognizer(test_cfg=dict(keep_view_scores=True)).eval()
    out = model.test_step(batch(2, 3))
    assert out[0].view_scores.shape == (3, 5)
    torch.testing.assert_close(
        out[0].pred_score, out[0].view_scores.softmax(-1).mean(0))


def test_mismatched_pipeline_is_a_clear_error():
    model = recognizer(segments=8).eval()
    with pytest.raises(ValueError, match=r'pipeline gives 8 frames per '
                       r'sample, ResNetTDN\(num_segments=8, '
                       r'frames_per_segment=5\) needs 40'):
        model.test_step(dict(
            inputs=[torch.zeros(8, 3, 32, 32, dtype=torch.uint8)],
            data_samples=[ActionDataSample().set_gt_label(0)]))


def test_inference_recognizer_on_a_video(tiny_config, tiny_videos):
    from mmaction.apis import inference_recognizer, init_recognizer
    model = init_recognizer(tiny_config, device='cpu')
    result = inference_recognizer(model, str(tiny_videos / '001.mp4'))
    assert result.pred_score.shape == (2, )
