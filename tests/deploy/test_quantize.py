"""int8 QDQ quantisation of an exported graph."""
import numpy as np
import onnx
import pytest
import torch

from tdn_plugin.deploy.graph import export_onnx
from tdn_plugin.deploy.quantize import quantize_int8
from tdn_plugin.deploy.runtimes import OnnxRuntimeModel, OpenVinoModel
from tdn_plugin.utils.views import frames_per_view


@pytest.mark.slow
@pytest.mark.parametrize('name', ['tsm', 'tdn'])
def test_int8_graph_runs_and_keeps_metadata(name, demo_models, tmp_path):
    cfg, model = demo_models(name)
    generator = torch.Generator().manual_seed(0)
    clips = [torch.randn(frames_per_view(model), 3, 64, 64,
                         generator=generator)
             for _ in range(3)]
    fp32 = export_onnx(model, clips[0], str(tmp_path / 'm.onnx'))
    int8 = quantize_int8(fp32, str(tmp_path / 'm.int8.onnx'),
                         (c.numpy() for c in clips), dict(config='c'))
    graph = onnx.load(int8)
    ops = {node.op_type for node in graph.graph.node}
    assert {'QuantizeLinear', 'DequantizeLinear'} <= ops
    meta = {p.key: p.value for p in graph.metadata_props}
    assert meta['config'] == 'c'
    assert meta['quantization'].startswith('int8 static QDQ')
    assert '3 calibration clip(s)' in meta['quantization']
    reference = OnnxRuntimeModel(fp32)(clips[1].numpy())
    openvino = OpenVinoModel(int8)
    for runtime in (OnnxRuntimeModel(int8), openvino):
        got = runtime(clips[1].numpy())
        assert got.shape == reference.shape
        # int8 rounding, not garbage: within a few percent of the
        # probabilities (measured 1e-3..1e-2 here)
        assert np.abs(got - reference).max() < 0.05
    # compiled for the input's static shape: OpenVINO's int8 passes accept
    # every op (they had rejected the L-TDM's pooling after a 5-D pad)
    assert openvino.any_shape is None and len(openvino.requests) == 1
