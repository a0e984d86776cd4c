"""The ATen ops `tdn benchmark` counts per inference: TDN's inference form
within twice MMAction2's TSM (each op a kernel call, on a GPU a launch)."""
import pytest

from tdn_plugin.apis.benchmark import _input, build, inference_ops
from tdn_plugin.models import fuse_for_inference


@pytest.mark.parametrize('size', [32, 64])
def test_tdn_runs_at_most_twice_tsms_ops_per_inference(size):
    found = {}
    for name in ('tdn', 'tsm'):
        model = build(name)
        found[name] = inference_ops(fuse_for_inference(model),
                                    _input(model, 1, size, 'cpu'))
    assert found['tdn'] <= 2 * found['tsm'], found
