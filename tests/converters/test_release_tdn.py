"""Round trip: a release-layout checkpoint with random weights, converted
by `tdn convert`, loaded into the plugin's config-built TDN, computes what
the release computes (reference: release_reference.ReleaseTDN).

Function checks run in float64, where the two models agree to round-off
(~1e-15), so a wrong layer, key or fold shows up by many orders of
magnitude above the 1e-10 bound. The checkpoint is converted in float64 and
loaded into float64 models, so the folded biases are not rounded to float32
first. One float32 check covers inference as users run it; its bound comes
from measured round-off (see FLOAT32_TOL)."""
import copy
import os

import pytest
import torch
from mmaction.structures import ActionDataSample
from release_reference import (
    ReleaseTDN,
    load_release_checkpoint,
    random_release_checkpoint,
)

from tdn_plugin.cli.main import main
from tdn_plugin.cli.utils import load_config
from tdn_plugin.converters import ConversionError, convert_release_state_dict
from tdn_plugin.converters import load_release_checkpoint as read_release_file
from tdn_plugin.utils.checks import load_recognizer
from tdn_plugin.utils.errors import UserError

CONFIGS = {
    (50, 8): 'configs/tdn/tdn_imagenet-pretrained-r50_8xb8-5x1x8-60e_'
    'sthv1-rgb.py',
    (50, 16): 'configs/tdn/tdn_imagenet-pretrained-r50_8xb8-5x1x16-60e_'
    'sthv1-rgb.py',
    (101, 8): 'configs/tdn/tdn_imagenet-pretrained-r101_8xb8-5x1x8-60e_'
    'sthv2-rgb.py',
}
MEAN = torch.tensor([123.675, 116.28, 103.53]).view(1, 3, 1, 1)
STD = torch.tensor([58.395, 57.12, 57.375]).view(1, 3, 1, 1)


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# float64: measured on x86-64 (torch 2.13 CPU, 1 and 2 threads): eval
# outputs 8e-16, train-mode backbone 2.3e-13 (BatchNorm over a batch of
# random activations amplifies round-off), running statistics 7e-16.
FLOAT64_TOL = 1e-10
# float32 inference: measured max 5.9e-7 (backbone features and scores, the
# three configs below, 1 and 2 threads); bound ~17x above it.
FLOAT32_TOL = 1e-5


def rel_close(a, b, tol=FLOAT64_TOL):
    err = (a - b).abs().max() / b.abs().max().clamp(min=1e-12)
    assert err < tol, f'relative error {err:.2e}'


def convert_with_cli(tmp_path, depth, segments, legacy=False,
                     dtype=torch.float64):
    release = random_release_checkpoint(depth, 174, segments, seed=depth +
                                        segments, legacy=legacy)
    release['state_dict'] = {
        k: v.to(dtype) if v.is_floating_point() else v
        for k, v in release['state_dict'].items()
    }
    src, dst = tmp_path / 'best.pth.tar', tmp_path / 'converted.pth'
    torch.save(release, src)
    assert main(['convert', str(src), str(dst), '--config',
                 CONFIGS[(depth, segments)]]) == 0
    return release, torch.load(dst)


def models(release, depth, segments, dropout=0.5, dtype=torch.float64):
    """The reference and the plugin's model, in ``dtype`` before any weight
    is loaded (loading into float32 would round the float64 values)."""
    reference = ReleaseTDN(174, segments, depth, dropout=dropout).to(dtype)
    load_release_checkpoint(reference, release)
    cfg = load_config(CONFIGS[(depth, segments)])
    cfg.model.cls_head.dropout_ratio = dropout
    return reference, load_recognizer(cfg).to(dtype)


def eval_outputs(tmp_path, depth, segments, dtype):
    """(plugin, reference) backbone features and class scores of one clip,
    the plugin's through its test_step (uint8 frames, its own
    normalisation)."""
    release, converted = convert_with_cli(tmp_path, depth, segments,
                                          dtype=dtype)
    reference, model = models(release, depth, segments, dtype=dtype)
    model.load_state_dict(converted['state_dict'], strict=True)
    reference.eval()
    model.eval()
    torch.manual_seed(0)
    h, w = (100, 68) if depth == 50 else (64, 64)
    frames = torch.randint(0, 256, (segments * 5, 3, h, w),
                           dtype=torch.uint8)
    normalised = (frames.to(dtype) - MEAN.to(dtype)) / STD.to(dtype)
    with torch.no_grad():
        features = model.backbone(normalised)
        expected = reference.backbone_features(
            normalised.reshape(1, segments * 15, h, w))
        logits = reference(normalised.reshape(1, segments * 15, h, w))
        out = model.test_step(dict(
            inputs=[frames], data_samples=[ActionDataSample()]))
    assert out[0].pred_score.dtype == dtype
    return (features, expected), (out[0].pred_score, logits.softmax(-1)[0])


@pytest.mark.parametrize('depth,segments', [
    (50, 8),
    pytest.param(50, 16, marks=pytest.mark.slow),
    pytest.param(101, 8, marks=pytest.mark.slow)])
def test_converted_release_gives_the_release_outputs(tmp_path, depth,
                                                     segments):
    features, scores = eval_outputs(tmp_path, depth, segments, torch.float64)
    rel_close(*features)
    rel_close(*scores)


def test_float32_inference_agrees_within_round_off(tmp_path):
    features, scores = eval_outputs(tmp_path, 50, 8, torch.float32)
    rel_close(*features, tol=FLOAT32_TOL)
    rel_close(*scores, tol=FLOAT32_TOL)


@pytest.mark.slow
def test_train_mode_and_running_statistics(tmp_path):
    release, converted = convert_with_cli(tmp_path, 50, 8)
    reference, model = models(release, 50, 8, dropout=0.0)
    model.load_state_dict(converted['state_dict'], strict=True)
    reference.train()
    model.train()
    torch.manual_seed(1)
    x = torch.randn(2 * 40, 3, 64, 64, dtype=torch.float64)
    rel_close(model.backbone(x),
              reference.backbone_features(x.reshape(2, 120, 64, 64)))
    # after one step, the BN statistics still agree (bias folded)
    ref_sd = reference.state_dict()
    sd = model.state_dict()
    rel_close(sd['backbone.layer3.2.temporal.long_term_tdm.pooled_bn.'
                 'running_var'],
              ref_sd['base_model.layer3_bak.2.mse.bn3_smallscale2.'
                     'running_var'])
    rel_close(sd['backbone.layer2.1.block.conv2.bn.running_mean'],
              ref_sd['base_model.layer2_bak.1.bn2.running_mean'] -
              ref_sd['base_model.layer2_bak.1.conv2.bias'])


def test_every_key_is_used_and_only_the_unused_conv_dropped():
    release = random_release_checkpoint(50, 174)
    state = {k[len('module.'):]: v for k, v in release['state_dict'].items()}
    converted, info = convert_release_state_dict(state)
    assert info['dropped'] == ['base_model.conv1_temp.bias',
                               'base_model.conv1_temp.weight']
    assert info['depth'] == 50 and info['num_classes'] == 174
    # every release conv with a bias: conv1, 16 blocks x 3 convs, 2 x 4
    # downsamples (res2 copy, res2..res5)
    assert info['folded'] == 1 + 3 * (3 + 3 + 4 + 6 + 3) + 5
    assert len(converted) == 789 - 2 - info['folded']


@pytest.mark.slow
def test_legacy_layout_converts(tmp_path):
    release, converted = convert_with_cli(tmp_path, 50, 8, legacy=True)
    reference, model = models(release, 50, 8)
    model.load_state_dict(converted['state_dict'], strict=True)
    fc = [k for k in release['state_dict'] if 'classifier' in k]
    assert fc, 'legacy files spell the classifier base_model.classifier'


def test_bare_state_dict_without_module_prefix(tmp_path):
    release = random_release_checkpoint(50, 10)
    bare = {k[len('module.'):]: v for k, v in release['state_dict'].items()}
    torch.save(bare, tmp_path / 'bare.pth')
    converted, info = convert_release_state_dict(
        read_release_file(tmp_path / 'bare.pth'))
    assert info['num_classes'] == 10


def test_unknown_keys_are_all_listed():
    release = random_release_checkpoint(50, 174)
    state = {k[len('module.'):]: v for k, v in release['state_dict'].items()}
    state['base_model.extra.weight'] = torch.zeros(1)
    state['something_else'] = torch.zeros(1)
    with pytest.raises(ConversionError, match='2 key.*base_model.extra.weight'
                       '.*something_else'):
        convert_release_state_dict(state)


def test_wrong_depth_for_the_config_is_a_clear_error(tmp_path):
    release = random_release_checkpoint(101, 174)
    torch.save(release, tmp_path / 'r101.pth.tar')
    with pytest.raises(UserError, match='different ResNet depth'):
        main(['convert', str(tmp_path / 'r101.pth.tar'),
              str(tmp_path / 'out.pth'), '--config', CONFIGS[(50, 8)]])
    assert not (tmp_path / 'out.pth').exists()


def test_wrong_num_classes_is_a_clear_error(tmp_path):
    release = random_release_checkpoint(50, 400)
    torch.save(release, tmp_path / 'k400.pth.tar')
    with pytest.raises(UserError, match='400 classes'):
        main(['convert', str(tmp_path / 'k400.pth.tar'),
              str(tmp_path / 'out.pth'), '--config', CONFIGS[(50, 8)]])


def test_hostile_release_file_is_refused(tmp_path):
    marker = tmp_path / 'pwned'

    class Payload:
        def __reduce__(self):
            return os.system, (f'touch {marker}', )

    release = copy.copy(random_release_checkpoint(50, 174))
    release['arch'] = Payload()
    torch.save(release, tmp_path / 'evil.pth.tar')
    with pytest.raises(UserError, match='weights-only'):
        main(['convert', str(tmp_path / 'evil.pth.tar'),
              str(tmp_path / 'out.pth')])
    assert not marker.exists()
