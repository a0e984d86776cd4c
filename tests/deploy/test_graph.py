"""Exported graphs give the recognizer's test-time scores, any views."""
import numpy as np
import onnx
import pytest
import torch

from tdn_plugin.deploy.graph import ClipScores, export_onnx, to_openvino
from tdn_plugin.deploy.parity import predict_scores, relative_difference
from tdn_plugin.deploy.runtimes import OnnxRuntimeModel, OpenVinoModel
from tdn_plugin.utils.views import frames_per_view

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


@pytest.mark.parametrize('name', [
    'tdn',
    pytest.param('gtdnet', marks=pytest.mark.slow),
    pytest.param('tsm', marks=pytest.mark.slow),
])
def test_frame_size_is_dynamic(name, demo_models, tmp_path):
    """Traced at 64 px, the graph gives the recognizer's scores at other
    sizes too, also ones the export's probe (+32 px) did not try (a
    3-crop protocol crops larger than the 1-view one)."""
    cfg, model = demo_models(name)
    per_view = frames_per_view(model, cfg)
    path = export_onnx(model, _frames(1, per_view, 0),
                       str(tmp_path / 'model.onnx'))
    runtime = OnnxRuntimeModel(path)
    assert runtime.metadata['dynamic_size'] == 'true'
    generator = torch.Generator().manual_seed(3)
    for height, width in ((80, 80), (72, 104)):
        frames = torch.randn(2 * per_view, 3, height, width,
                             generator=generator)
        assert relative_difference(runtime(frames.numpy()),
                                   predict_scores(model, frames)) <= TOLERANCE


def test_frame_size_stays_fixed_where_the_graph_keeps_it(tmp_path):
    """A model whose traced graph holds its frame size as a constant is
    exported with a fixed size (the probe at another size catches it)."""

    class FixedSize(torch.nn.Module):
        def forward(self, frames):
            # int(): the size becomes a constant of the traced graph
            h, w = int(frames.shape[-2]), int(frames.shape[-1])
            return frames.reshape(-1, 3 * h * w)[:, :10].mean(0)

    class Recognizer(torch.nn.Module):
        """The two members of a recognizer ClipScores uses."""

        def __init__(self):
            super().__init__()
            self.body = FixedSize()
            self.test_cfg = None
            self.cls_head = type('Head', (), dict(
                average_clip=lambda self, scores, num_segs: scores[None]))()

        def extract_feat(self, inputs, stage, test_mode):
            return self.body(inputs[0]), None

    path = export_onnx(Recognizer(), torch.randn(2, 3, 8, 8),
                       str(tmp_path / 'model.onnx'))
    meta = OnnxRuntimeModel(path).metadata
    assert (meta['dynamic_views'], meta['dynamic_size']) == ('true', 'false')


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
                         dynamic_views='true', dynamic_size='true')
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


@pytest.mark.slow
def test_openvino_takes_maps_of_one_pixel(demo_models, tmp_path):
    """At 32 px the L-TDM of the last stage pools 1x1 maps: the graph stays
    valid for OpenVINO (fp32 and int8) and gives the recognizer's scores."""
    from tdn_plugin.deploy.quantize import quantize_int8
    cfg, model = demo_models('tdn')
    frames = torch.randn(frames_per_view(model, cfg), 3, 32, 32,
                         generator=torch.Generator().manual_seed(0))
    path = export_onnx(model, frames, str(tmp_path / 'model.onnx'))
    got = OpenVinoModel(path)(frames.numpy())
    assert relative_difference(got, predict_scores(model, frames)) <= TOLERANCE
    int8 = quantize_int8(path, str(tmp_path / 'int8.onnx'), [frames.numpy()])
    assert OpenVinoModel(to_openvino(int8, str(tmp_path / 'int8.xml')))(
        frames.numpy()).shape == (10, )
