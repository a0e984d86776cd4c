"""The inference helpers behind ``tdn infer``."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import Compose

from tdn_plugin.apis import inference
from tdn_plugin.apis.inference import (
    RuntimeScorer,
    TorchScorer,
    VideoError,
    ViewChunks,
    apply_views,
    bound_testing_views,
    classify_videos,
    list_videos,
    load_clip,
    load_recognizer,
    read_labels,
    top_k,
    video_test_pipeline,
)
from tdn_plugin.cli.utils import load_config
from tdn_plugin.datasets.toy_motion import CLASSES, render_video, write_video
from tdn_plugin.utils.views import ViewsError, count_test_views

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TDN_TOY = osp.join(REPO, 'configs', 'demo', 'tdn_toy-motion.py')


@pytest.fixture(scope='module')
def toy_video(tmp_path_factory):
    path = str(tmp_path_factory.mktemp('videos') / 'clip.mp4')
    write_video(path, render_video(2, np.random.default_rng(0), 64, (40, 40)))
    return path


def one_class_model(cfg, label: int):
    """The config's recognizer answering ``label`` for any video: zero
    classifier weights, the bias one-hot (softmax e^4 / (e^4 + 9))."""
    model = load_recognizer(cfg, None)
    with torch.no_grad():
        model.cls_head.fc_cls.weight.zero_()
        model.cls_head.fc_cls.bias.zero_()
        model.cls_head.fc_cls.bias[label] = 4.0
    return model


def test_video_test_pipeline_reads_videos_for_rawframe_configs():
    cfg = Config.fromfile(osp.join(
        REPO, 'configs', 'tdn',
        'tdn_imagenet-pretrained-r50_8xb8-5x1x8-60e_sthv1-rgb.py'))
    pipeline = video_test_pipeline(cfg)
    types = [t['type'] for t in pipeline]
    assert types[:3] == ['DecordInit', 'TDNSampleFrames', 'DecordDecode']
    assert 'RawFrameDecode' not in types
    assert cfg.test_pipeline[1]['type'] == 'RawFrameDecode'  # unchanged
    video_cfg = Config.fromfile(TDN_TOY)
    assert video_test_pipeline(video_cfg) == [
        dict(t) for t in video_cfg.test_pipeline]


def test_apply_views():
    cfg = load_config(TDN_TOY)
    assert apply_views(cfg, None) is cfg
    cfg = apply_views(cfg, '10x3')
    assert count_test_views(cfg) == 30
    # what tdn infer decodes follows the protocol (the shipped config's
    # datasets are wrapped in SkipBadVideos)
    types = {t['type']: t for t in video_test_pipeline(cfg)}
    assert types['TDNSampleFrames']['num_clips'] == 10
    assert 'ThreeCrop' in types
    with pytest.raises(ViewsError, match='unknown views'):
        apply_views(cfg, '2x2')


def test_load_clip_errors(tmp_path):
    pipeline = Compose(video_test_pipeline(load_config(TDN_TOY)))
    with pytest.raises(VideoError, match='video not found'):
        load_clip(pipeline, str(tmp_path / 'missing.mp4'))
    bad = tmp_path / 'bad.mp4'
    bad.write_bytes(b'not a video' * 100)
    with pytest.raises(VideoError, match='cannot decode .*bad.mp4') as error:
        load_clip(pipeline, str(bad))
    assert '\n' not in str(error.value)


def test_top_k_labels_and_views():
    scores = np.array([0.1, 0.5, 0.2, 0.15, 0.05, 0.0])
    assert top_k(scores, 2, list('abcdef')) == [('b', 0.5), ('c', 0.2)]
    assert top_k(scores, 1) == [('1', 0.5)]
    views = np.array([[0.0, 1.0], [1.0, 0.4]])  # average_clips=None
    assert top_k(views, 1) == [('1', pytest.approx(0.7))]


def test_list_videos_and_labels(tmp_path):
    for name in ('b.mp4', 'a.avi', 'notes.txt'):
        (tmp_path / name).write_bytes(b'')
    assert list_videos([str(tmp_path), 'x.mp4']) == [
        str(tmp_path / 'a.avi'), str(tmp_path / 'b.mp4'), 'x.mp4']
    labels = tmp_path / 'classes.txt'
    labels.write_text('a\nb\n\n')
    assert read_labels(str(labels), 2) == ['a', 'b']
    with pytest.raises(ValueError, match='names 2 classes, the model has 3'):
        read_labels(str(labels), 3)


def test_torch_and_runtime_scorers_on_a_toy_video(toy_video):
    cfg = load_config(TDN_TOY)
    model = one_class_model(cfg, 7)
    pipeline = video_test_pipeline(cfg)
    scores = TorchScorer(model, pipeline)(toy_video)
    expected = np.exp(4) / (np.exp(4) + 9)
    assert scores.shape == (10, )
    assert top_k(scores, 1, CLASSES) == [(CLASSES[7],
                                          pytest.approx(expected, 1e-6))]
    seen = []

    def runtime(frames):
        seen.append(frames.shape)
        return scores

    def refuse(shape, video):
        if shape[-1] != 64:
            raise ValueError('wrong size')

    scorer = RuntimeScorer(runtime, pipeline, model.data_preprocessor, refuse)
    np.testing.assert_array_equal(scorer(toy_video), scores)
    assert seen == [(20, 3, 64, 64)]  # 4 segments x 5 frames, 64 px


@pytest.mark.parametrize('rule', ['prob', 'score', None])
def test_view_chunks_combine_as_the_graph_does(rule):
    """7 views in calls of at most 3: the same scores as one call."""
    per_view, classes = 4, 5
    weights = np.random.default_rng(0).standard_normal((3 * 8 * 8, classes))

    def graph(frames):  # per-view scores, combined by the rule
        views = frames.reshape(-1, per_view * 3 * 8 * 8 // 4, 4).mean(-1)
        scores = views @ weights
        if rule == 'prob':
            scores = np.exp(scores) / np.exp(scores).sum(1, keepdims=True)
        return scores if rule is None else scores.mean(0)

    calls = []

    def counted(frames):
        calls.append(frames.shape[0] // per_view)
        return graph(frames)

    frames = np.random.default_rng(1).standard_normal(
        (7 * per_view, 3, 8, 8)).astype(np.float32)
    got = ViewChunks(per_view, 3, rule)(counted, frames)
    assert calls == [3, 3, 1]
    np.testing.assert_allclose(got, graph(frames), rtol=1e-5, atol=1e-6)


def test_bound_testing_views_only_for_tdn():
    cfg = load_config(TDN_TOY)
    model = load_recognizer(cfg, None)
    model.test_cfg = None
    bound_testing_views(model, 20)
    assert model.test_cfg == dict(max_testing_views=8)  # 160 frames
    model.test_cfg = dict(max_testing_views=2)  # the config's is kept
    assert bound_testing_views(model, 20).test_cfg['max_testing_views'] == 2
    tsm = load_recognizer(
        load_config(osp.join(REPO, 'configs', 'demo', 'tsm_toy-motion.py')),
        None)
    kept = tsm.test_cfg
    assert bound_testing_views(tsm, 4).test_cfg == kept


def test_classify_videos_goes_on_after_a_bad_video(toy_video, tmp_path):
    def scorer(video):
        if video != toy_video:
            raise VideoError(f'video not found: {video}')
        return np.array([0.2, 0.8])

    done = []
    missing = str(tmp_path / 'missing.mp4')
    results, errors = classify_videos(
        scorer, [missing, toy_video], ['left', 'right'],
        on_result=lambda v, r: done.append(v))
    assert errors == {missing: f'video not found: {missing}'}
    assert results[toy_video]['top5'] == [('right', 0.8), ('left', 0.2)]
    assert done == [toy_video]
    assert inference.first_line(ValueError('\n a \n b')) == 'a'
