"""MMAction2's own TSN and TANet configs export too (TANet with a fixed
views axis: its TAM convolves with kernels computed from the input, which
the exporter needs with known shapes)."""
import os.path as osp

import pytest
import torch

from tdn_plugin.deploy.graph import export_onnx
from tdn_plugin.deploy.parity import predict_scores, relative_difference
from tdn_plugin.deploy.runtimes import OnnxRuntimeModel


@pytest.mark.slow
@pytest.mark.parametrize('config,segments,dynamic', [
    ('tsn/tsn_imagenet-pretrained-r50_8xb32-1x1x3-100e_kinetics400-rgb.py',
     3, 'true'),
    ('tanet/tanet_imagenet-pretrained-r50_8xb8-1x1x8-50e_sthv1-rgb.py', 8,
     'false'),
])
def test_mmaction_configs_export(config, segments, dynamic, tmp_path):
    import mmaction
    from mmaction.apis import init_recognizer
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(osp.dirname(mmaction.__file__), '.mim',
                                   'configs', 'recognition', config))
    torch.manual_seed(0)
    model = init_recognizer(cfg, None, device='cpu')  # R50, 64 px input
    frames = torch.randn(2 * segments, 3, 64, 64)
    path = export_onnx(model, frames, str(tmp_path / 'm.onnx'))
    runtime = OnnxRuntimeModel(path)
    assert runtime.metadata['dynamic_views'] == dynamic
    got = runtime(frames.numpy())
    assert relative_difference(got, predict_scores(model, frames)) <= 1e-4
