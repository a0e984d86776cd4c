"""Exported graphs give the recognizer's test-time scores, any views."""
import numpy as np
import onnx
import pytest
import torch

from tdn_plugin.deploy.graph import ClipScores, export_onnx, to_openvino
from tdn_plugin.deploy.parity import predict_scores, relative_difference
from tdn_plugin.deploy.runtimes import OnnxRuntimeModel, OpenVinoModel
from tdn_plugin.utils.complexity import frames_per_view

# float32 round-off measured at 1e-7..5e-7 relative (R18, 64 px); the
# requirement is 1e-4
TOLERANCE = 1e-4


def _frames(views: int, per_view: int, seed: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(views * per_view, 3, 64, 64, generator=generator)


@pytest.mark.parametrize('name', ['tdn', 'gtdnet', 'tsm'])
def test_onnxruntime_equals_predict_for_any_views(name, demo_models,
                                                  tmp_path):
    cfg, model = demo_models(name)
    per_view = frames_per_view(model, cfg)
    path = export_onnx(model, _frames(2, per_view, 0),
                       str(tmp_path / 'model.onnx'))
    runtime = OnnxRuntimeModel(path)
    for views in (1, 3):  # traced with 2: the views axis is dynamic
        frames = _frames(views, per_view, views)
        reference = predict_scores(model, frames)
        assert reference.max() - reference.min() > 0.05  # not uniform
        got = runtime(frames.numpy())
        assert got.shape == reference.shape == (10, )
        assert relative_difference(got, reference) <= TOLERANCE


@pytest.mark.parametrize('rule', ['score', None])
def test_average_clips_rules(rule, demo_models, tmp_path):
    """'score' averages raw scores; None keeps each view's, (views, K)."""
    cfg, model = demo_models('tsm')
    kept = model.cls_head.average_clips
    model.cls_head.average_clips = rule
    try:
        path = export_onnx(model, _frames(2, 4, 0),
                           str(tmp_path / 'model.onnx'))
        frames = _frames(3, 4, 1)
        reference = predict_scores(model, frames)
    finally:
        model.cls_head.average_clips = kept
    got = OnnxRuntimeModel(path)(frames.numpy())
    assert got.shape == ((10, ) if rule else (3, 10))
    assert relative_difference(got, reference) <= TOLERANCE


def test_clip_scores_keeps_max_testing_views_out(demo_models):
    """Chunked views (max_testing_views) are the same scores; the wrapper
    traces without the chunk loop and restores the setting."""
    cfg, model = demo_models('tdn')
    frames = _frames(3, 20, 2)
    model.test_cfg = dict(max_testing_views=1)
    try:
        chunked = predict_scores(model, frames)
        with torch.no_grad():
            wrapped = ClipScores(model)(frames).numpy()
        assert model.test_cfg == dict(max_testing_views=1)
    finally:
        model.test_cfg = None
    assert relative_difference(wrapped, chunked) <= TOLERANCE


@pytest.mark.slow
def test_metadata_and_openvino_parity(demo_models, tmp_path):
    cfg, model = demo_models('tdn')
    path = export_onnx(model, _frames(1, 20, 0), str(tmp_path / 'm.onnx'),
                       metadata=dict(config='tdn_toy-motion', answer='42'))
    props = {p.key: p.value for p in onnx.load(path).metadata_props}
    assert props == dict(config='tdn_toy-motion', answer='42',
                         dynamic_views='true')
    xml = to_openvino(path, str(tmp_path / 'm.xml'))
    runtime = OpenVinoModel(xml)
    assert runtime.metadata == props
    for views in (1, 2):
        frames = _frames(views, 20, views)
        got = runtime(frames.numpy())
        assert relative_difference(got, predict_scores(model, frames)) \
            <= TOLERANCE
    # float32 weights kept (no fp16 compression)
    assert np.isfinite(got).all()
