"""Export-clean: a TDN / GTDNet recognizer exports with the legacy ONNX
exporter (opset 17) and ONNX Runtime computes what PyTorch computes, for
other batch sizes, view counts and image sizes than the exported example.

Tolerance: max |ORT - PyTorch| / max |PyTorch| <= 1e-4. Measured at R18,
T = 8, 64-100 px: 2e-7 to 2e-6 on the logits, the same size as float32
eager's own distance from a float64 forward (4e-7 to 1.5e-6); at R50 both are
1e-5 to 4e-5.
"""
import pytest
import torch
import torch.nn as nn
from mmaction.registry import MODELS
from mmaction.utils import register_all_modules

ort = pytest.importorskip('onnxruntime')
pytest.importorskip('onnx')
register_all_modules(init_default_scope=True)


class ViewScores(nn.Module):
    """(N, views * frames_per_view, 3, H, W) preprocessed frames ->
    (class scores averaged over each sample's views as the head's
    ``average_clips`` does, raw scores of every view)."""

    def __init__(self, recognizer: nn.Module) -> None:
        super().__init__()
        self.recognizer = recognizer

    def forward(self, inputs: torch.Tensor) -> tuple:
        scores, _ = self.recognizer.extract_feat(inputs, stage='head')
        views = scores.shape[0] // inputs.shape[0]
        return self.recognizer.cls_head.average_clip(scores, views), scores


def recognizer(recognizer_type: str, backbone: dict) -> nn.Module:
    """A recognizer with non-trivial temporal modules and the BN statistics
    of the data it sees (as a trained model has them)."""
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type=recognizer_type,
        backbone=backbone,
        cls_head=dict(type='TSMHead', num_classes=6, in_channels=512,
                      num_segments=backbone['num_segments'], is_shift=True,
                      average_clips='prob'),
        data_preprocessor=dict(type='ActionDataPreprocessor',
                               format_shape='NCHW')))
    model.init_weights()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if 'temporal' in name or 'short_term' in name or 'head' in name:
                p.add_(torch.randn_like(p) * 0.05)
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.reset_running_stats()
                m.momentum = None  # cumulative average
        model.train()
        frames = model.backbone.frames_per_view
        for _ in range(2):
            model.extract_feat(torch.randn(2, frames, 3, 64, 64))
    return model.eval()


def relative_error(got, expected) -> float:
    expected = torch.as_tensor(expected)
    return float((torch.as_tensor(got) - expected).abs().max() /
                 expected.abs().max())


@pytest.mark.parametrize('recognizer_type,backbone', [
    ('TDNRecognizer', dict(type='ResNetTDN', depth=18, num_segments=8)),
    ('Recognizer2D', dict(type='ResNetGTD', depth=18, num_segments=8)),
], ids=['tdn', 'gtdnet'])
def test_onnx_runtime_matches_pytorch(tmp_path, recognizer_type, backbone):
    model = ViewScores(recognizer(recognizer_type, backbone)).eval()
    frames = model.recognizer.backbone.frames_per_view
    path = str(tmp_path / 'model.onnx')
    # exported under no_grad as a deployment script would: the graph must
    # still be the plain path (the fast one bakes the example's sizes in)
    with torch.no_grad():
        torch.onnx.export(
            model, (torch.randn(1, frames, 3, 64, 64), ), path,
            dynamo=False, opset_version=17, input_names=['inputs'],
            output_names=['scores', 'view_scores'],
            dynamic_axes=dict(
                inputs={0: 'batch', 1: 'frames', 3: 'height', 4: 'width'},
                scores={0: 'batch'}, view_scores={0: 'views'}))
    session = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    # (videos, views per video, size): the example, batch and views, and an
    # odd size whose feature maps are not halved exactly
    for n, views, size in [(1, 1, 64), (2, 2, 64), (1, 1, 100)]:
        x = torch.randn(n, views * frames, 3, size, size)
        with torch.no_grad():
            expected = [t.numpy() for t in model(x)]
        got = session.run(None, {'inputs': x.numpy()})
        assert got[0].shape == (n, 6) and got[1].shape == (n * views, 6)
        for g, e in zip(got, expected):
            assert relative_error(g, e) <= 1e-4, (n, views, size)
