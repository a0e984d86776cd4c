"""fuse_for_inference: the inference forms compute the plain modules'
function (float64), on any recognizer."""
import pytest
import torch
import torch.nn as nn
from mmaction.models.backbones.resnet import BasicBlock, make_res_layer
from mmaction.registry import MODELS
from mmcv.cnn import ConvModule

from tdn_plugin.models import fuse_for_inference
from tdn_plugin.models.common import (
    FusedLongTermTDM,
    FusedShortTermTDM,
    FusedTemporalConvShift,
    LongTermTDM,
    ShortTermTDM,
    TemporalConvShift,
)
from tdn_plugin.models.common.fuse import fold_conv_module, pointwise_conv


def fused_and_plain(module, *inputs, method='forward', capability=None):
    """(fused, plain) outputs of ``module`` (float64, eval, no autograd),
    fused for ``capability`` (default: this CPU's)."""
    module = module.double().eval()
    fused = fuse_for_inference(nn.Sequential(module),
                               capability=capability)[0]
    with torch.inference_mode():
        plain = getattr(module, method)(*[x.clone() for x in inputs])
        out = getattr(fused, method)(*[x.clone() for x in inputs])
    return fused, out, plain


@pytest.mark.parametrize('channels_last', [False, True])
@pytest.mark.parametrize('size', [(7, 7), (6, 6), (1, 1), (5, 8)])
def test_long_term_tdm(size, channels_last, randomise):
    """The BNs, the 1/3, the pooling's 1/4 and a 1/2 folded into the
    convs, channels-last few-channel maps, the gate in place: the same
    function, on NCHW and channels-last inputs, odd sizes pooled with floor
    rounding, 1-pixel sides pooled to themselves."""
    m = randomise(LongTermTDM(64, 4, reduction=8))
    x = torch.randn(8, 64, *size, dtype=torch.float64)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    fused, out, plain = fused_and_plain(m, x)
    assert isinstance(fused, FusedLongTermTDM)
    torch.testing.assert_close(out, plain, rtol=0, atol=1e-13)
    layout = torch.channels_last if channels_last else torch.contiguous_format
    assert out.is_contiguous(memory_format=layout)  # x's layout kept


@pytest.mark.parametrize('size', [(40, 40), (41, 39)])
def test_long_term_tdm_on_large_few_channel_maps(size, randomise):
    """Few channels over many pixels: the pooling as strided sums (the
    other maps take avg_pool2d), the same function."""
    from tdn_plugin.models.common import long_term_tdm
    m = randomise(LongTermTDM(64, 4, reduction=8))
    x = torch.randn(8, 64, *size, dtype=torch.float64)
    assert 8 < long_term_tdm.POOL2_SUM_CHANNELS and \
        16 * size[0] * size[1] > long_term_tdm.POOL2_SUM_PIXELS
    fused, out, plain = fused_and_plain(m, x)
    torch.testing.assert_close(out, plain, rtol=0, atol=1e-13)


def test_long_term_tdm_with_group_norm_stays_plain():
    """Nothing to fold: the module itself is kept."""
    m = LongTermTDM(32, 4, reduction=4,
                    norm_cfg=dict(type='GN', num_groups=2))
    assert fuse_for_inference(nn.Sequential(m), inplace=True)[0] is m


@pytest.mark.parametrize('segments', [4, 1])
def test_temporal_conv_shift(segments, randomise):
    """The taps split once: the same function (float64)."""
    m = randomise(TemporalConvShift(32, segments))
    x = torch.randn(8, 32, 5, 3, dtype=torch.float64)
    fused, out, plain = fused_and_plain(m, x)
    assert isinstance(fused, FusedTemporalConvShift)
    torch.testing.assert_close(out, plain, rtol=0, atol=1e-15)


def test_temporal_conv_shift_export_form(randomise, monkeypatch):
    """The exported graph's depthwise conv over T is the plain function
    (and ``forward`` takes it while an export runs)."""
    m = randomise(TemporalConvShift(32, 4)).double().eval()
    x = torch.randn(8, 32, 5, 3, dtype=torch.float64)
    with torch.no_grad():
        plain = m(x)
        monkeypatch.setattr(torch.onnx, 'is_in_onnx_export', lambda: True)
        exported = m(x)
    torch.testing.assert_close(exported, plain, rtol=0, atol=1e-14)
    torch.testing.assert_close(m.as_depthwise_conv(x), plain, rtol=0,
                               atol=1e-14)


@pytest.mark.parametrize('weights', [(0.5, 0.5), (0.75, 0.25), (0.6, 0.6)])
@pytest.mark.parametrize('size', [16, 15])
@pytest.mark.parametrize('channels_last', [False, True])
def test_short_term_tdm_fusion(weights, size, channels_last):
    """The fused module blends (channels-last) motion features into x in
    place: the same function."""
    res = make_res_layer(BasicBlock, 64, 64, 1)
    m = ShortTermTDM(res, fusion_weights=weights)
    x = torch.randn(3, 64, size, size, dtype=torch.float64)
    motion = torch.randn(3, 64, (size + 1) // 2, (size + 1) // 2,
                         dtype=torch.float64)
    if channels_last:
        motion = motion.contiguous(memory_format=torch.channels_last)
    fused, out, plain = fused_and_plain(m, x, motion, method='fuse')
    assert isinstance(fused, FusedShortTermTDM)
    torch.testing.assert_close(out, plain, rtol=0, atol=1e-14)
    # the plain module's is the paper's: a * x + b * nearest-up(motion)
    rows = torch.arange(size) * motion.shape[-1] // size
    up = motion[:, :, rows][..., rows]
    torch.testing.assert_close(plain, weights[0] * x + weights[1] * up)


@pytest.mark.parametrize('capability', ['AVX512', 'AVX2', 'DEFAULT'])
@pytest.mark.parametrize('size', [32, 33])
@pytest.mark.parametrize('frames', [5, 2])
def test_short_term_tdm_pooled_differences(size, frames, capability,
                                           randomise):
    """The strided conv (AVX-512) and the strided sums (other CPUs) are the
    pooling of the differences of consecutive frames (odd sizes floor, as
    the pooling does); the stem's BN folded."""
    res = make_res_layer(BasicBlock, 16, 16, 1)
    m = randomise(ShortTermTDM(res, frames_per_segment=frames,
                               stem_channels=16))
    segments = torch.randn(4, frames, 3, size, size, dtype=torch.float64)
    fused, out, plain = fused_and_plain(m, segments, capability=capability)
    assert (fused.difference_kernel is not None) == (capability == 'AVX512')
    assert isinstance(fused.stem.bn, nn.Identity)
    for f, p in zip(out, plain):
        torch.testing.assert_close(f, p, rtol=0, atol=1e-13)


@pytest.mark.parametrize('shifted', [False, True])
def test_fold_conv_module(shifted, randomise):
    """An eval ConvModule's BN folds into its conv, through a wrapper such
    as MMAction2's TSM shift (``conv.net``)."""
    from mmaction.models.backbones.resnet_tsm import TemporalShift
    m = ConvModule(8, 16, 3, padding=1, norm_cfg=dict(type='BN'))
    if shifted:
        m.conv = TemporalShift(m.conv, num_segments=2, shift_div=4)
    m = randomise(m).double().eval()
    x = torch.randn(4, 8, 6, 6, dtype=torch.float64)
    with torch.no_grad():
        plain = m(x)
        assert fold_conv_module(m)
        assert isinstance(m.bn, nn.Identity)
        torch.testing.assert_close(m(x), plain, rtol=0, atol=1e-13)
        assert not fold_conv_module(m)  # nothing left to fold


def test_fold_3d_conv_module(randomise):
    """I3D-style ConvModules (mmcv's Conv3d) fold too."""
    m = ConvModule(4, 8, 3, padding=1, conv_cfg=dict(type='Conv3d'),
                   norm_cfg=dict(type='BN3d'))
    m = randomise(m).double().eval()
    x = torch.randn(2, 4, 3, 5, 5, dtype=torch.float64)
    with torch.no_grad():
        plain = m(x)
        assert fold_conv_module(m)
        torch.testing.assert_close(m(x), plain, rtol=0, atol=1e-13)


def test_train_mode_conv_module_is_not_folded():
    m = ConvModule(8, 16, 3, norm_cfg=dict(type='BN')).train()
    assert not fold_conv_module(m)


@pytest.mark.parametrize('capability', ['AVX2', 'AVX512'])
@pytest.mark.parametrize('backbone', [
    dict(type='ResNetTDN', depth=18, num_segments=4),
    dict(type='ResNetGTD', depth=18, num_segments=4,
         with_short_term_tdm=True, enhancement='map'),
    dict(type='ResNetTSM', depth=18, num_segments=4, pretrained2d=False),
])
def test_fused_recognizer_is_the_same_function(backbone, capability,
                                               randomise, monkeypatch):
    """float64, whole recognizers (TDN, GTDNet, MMAction2's TSM), fused for
    an AVX2 and an AVX-512 CPU: the fused model changes speed only, and the
    given model is left as it was."""
    monkeypatch.setattr(torch.backends.cpu, 'get_cpu_capability',
                        lambda: capability)
    from mmaction.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    recognizer = 'TDNRecognizer' if 'TDN' in backbone['type'] else \
        'Recognizer2D'
    model = MODELS.build(dict(
        type=recognizer, backbone=dict(backbone, pretrained=None),
        cls_head=dict(type='TSMHead', num_classes=5, in_channels=512,
                      num_segments=4)))
    model = randomise(model).double()
    frames = getattr(model.backbone, 'frames_per_view', 4)
    x = torch.randn(2, frames, 3, 64, 64, dtype=torch.float64)
    fused = fuse_for_inference(model)
    assert not fused.training
    with torch.inference_mode():
        out = fused.extract_feat(x, stage='head', test_mode=True)[0]
        plain = model.eval().extract_feat(x, stage='head', test_mode=True)[0]
    assert (out - plain).abs().max() < 1e-12 * plain.abs().max()
    folded = [m for m in fused.modules() if isinstance(m, ConvModule)]
    assert folded and all(isinstance(m.norm, nn.Identity) for m in folded)
    assert not any(isinstance(m.norm, nn.Identity)
                   for m in model.modules() if isinstance(m, ConvModule))


@pytest.mark.parametrize('backbone', [
    dict(type='ResNet', depth=18),
    dict(type='ResNetTSM', depth=18, num_segments=4, pretrained2d=False),
])
@pytest.mark.parametrize('inplace', [False, True])
def test_bare_mmaction_backbone_comes_back(backbone, inplace):
    """A bare MMAction2 backbone, whose train() returns None, comes back
    itself (fused, eval mode), not None."""
    from mmaction.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    model = MODELS.build(backbone)
    assert model.eval() is None  # the host's train() returns None
    fused = fuse_for_inference(model, inplace=inplace)
    assert isinstance(fused, type(model)) and not fused.training
    assert (fused is model) == inplace
    assert all(isinstance(m.norm, nn.Identity) for m in fused.modules()
               if isinstance(m, ConvModule))


def test_capability_reaches_the_modules(monkeypatch):
    """The CPU capability is read once, at fuse time, and handed to every
    module's fused_for_inference."""
    seen = []

    class Probe(nn.Module):

        def fused_for_inference(self, capability):
            seen.append(capability)
            return nn.Identity()

    monkeypatch.setattr(torch.backends.cpu, 'get_cpu_capability',
                        lambda: 'AVX2')
    fused = fuse_for_inference(nn.Sequential(Probe(), nn.Sequential(Probe())))
    assert seen == ['AVX2', 'AVX2']
    assert isinstance(fused[0], nn.Identity)
    fuse_for_inference(nn.Sequential(Probe()), capability='AVX512')
    assert seen[-1] == 'AVX512'


@pytest.mark.parametrize('channels_last', [False, True])
def test_pointwise_conv(channels_last):
    x = torch.randn(2, 12, 5, 7, dtype=torch.float64)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    weight = torch.randn(20, 12, 1, 1, dtype=torch.float64)
    bias = torch.randn(20, dtype=torch.float64)
    torch.testing.assert_close(pointwise_conv(x, weight, bias),
                               torch.nn.functional.conv2d(x, weight, bias))
    torch.testing.assert_close(pointwise_conv(x, weight.flatten(1)),
                               torch.nn.functional.conv2d(x, weight))


@pytest.mark.parametrize('channels_last', [False, True])
def test_fused_long_term_tdm_under_bf16_autocast(channels_last, randomise):
    """Mixed dtypes (bf16 activations, fp32 folded weights) and a
    channels-last input run the fused form too, and agree with the plain
    module to bf16 round-off."""
    m = randomise(LongTermTDM(32, 4, reduction=4)).eval()
    fused = fuse_for_inference(nn.Sequential(m))[0]
    x = torch.randn(8, 32, 6, 6)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    with torch.autocast('cpu', dtype=torch.bfloat16), torch.no_grad():
        out, plain = fused(x.clone()), m(x.clone())
    assert out.dtype == plain.dtype
    torch.testing.assert_close(out.float(), plain.float(), rtol=0.05,
                               atol=0.05 * plain.float().abs().max().item())
