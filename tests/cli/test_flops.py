import pytest

from tdn_plugin.apis.benchmark import build
from tdn_plugin.cli.main import main
from tdn_plugin.utils.complexity import model_complexity


@pytest.mark.slow
def test_tdn_r50_size_and_cost_against_tsm():
    """TDN-R50, T=8, 224, 174 classes: 24.4 M parameters and 1.09x the
    MACs of MMAction2's TSM-R50 on the same counter (spec, section 7)."""
    tdn = model_complexity(build('tdn'))
    tsm = model_complexity(build('tsm'))
    assert abs(tdn['params'] / 1e6 - 24.38) < 0.01
    assert tdn['frames'] == 40 and tsm['frames'] == 8
    assert abs(tdn['gmacs'] / tsm['gmacs'] - 1.09) <= 0.015


def test_flops_command(capsys):
    assert main(['flops', 'configs/tdn/tdn_imagenet-pretrained-r50_8xb8-'
                 '5x1x8-60e_sthv1-rgb.py', '--shape', '64']) == 0
    out = capsys.readouterr().out
    assert '24.38 M' in out and '40 frames of 3x64x64' in out


def test_flops_counts_tsn_frames_from_its_pipeline():
    """A plain ResNet (TSN) has no T: it comes from the test sampler."""
    from tdn_plugin.cli.utils import load_config
    from tdn_plugin.utils.checks import load_recognizer
    from tdn_plugin.utils.views import frames_per_view
    cfg = load_config('configs/demo/tsn_toy-motion.py')
    model = load_recognizer(cfg)
    assert frames_per_view(model) == 1
    assert frames_per_view(model, cfg) == cfg.num_segments == 4
