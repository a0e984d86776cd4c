"""The speed-only inference paths compute the plain paths' function."""
import pytest
import torch
from mmaction.models.backbones.resnet import BasicBlock, make_res_layer

from tdn_plugin.models.common import (
    FastInferenceMixin,
    LongTermTDM,
    ShortTermTDM,
    TemporalConvShift,
    set_fast_inference,
)
from tdn_plugin.models.common.fast_inference import pointwise_conv


def both_paths(module, *inputs, method='forward'):
    """(fast, plain) outputs, autograd off for both."""
    call = getattr(module, method)
    with torch.no_grad():
        module.fast_inference = True
        fast = call(*[x.clone() for x in inputs])
        module.fast_inference = False
        plain = call(*[x.clone() for x in inputs])
    module.fast_inference = True
    return fast, plain


@pytest.mark.parametrize('training', [False, True])
@pytest.mark.parametrize('size', [7, 6, 1])
def test_long_term_tdm(size, training, randomise):
    """Eval: the BNs folded into their convs, the 1/3 into the expand conv.
    Train mode without autograd (BNs on batch statistics): not folded, the
    same function."""
    m = randomise(LongTermTDM(64, 4, reduction=8)).double().train(training)
    x = torch.randn(8, 64, size, size, dtype=torch.float64)
    fast, plain = both_paths(m, x)
    torch.testing.assert_close(fast, plain, rtol=0, atol=1e-13)


def test_temporal_conv_shift(randomise):
    m = randomise(TemporalConvShift(32, 4)).double().eval()
    x = torch.randn(8, 32, 5, 3, dtype=torch.float64)
    fast, plain = both_paths(m, x)
    torch.testing.assert_close(fast, plain, rtol=0, atol=1e-14)


def test_temporal_conv_shift_export_form(randomise, monkeypatch):
    """The exported graph's depthwise conv over T is the plain path's
    function (and ``forward`` takes it while an export runs)."""
    m = randomise(TemporalConvShift(32, 4)).double().eval()
    x = torch.randn(8, 32, 5, 3, dtype=torch.float64)
    with torch.no_grad():
        m.fast_inference = False
        plain = m(x)
        monkeypatch.setattr(torch.onnx, 'is_in_onnx_export', lambda: True)
        exported = m(x)
    torch.testing.assert_close(exported, plain, rtol=0, atol=1e-14)
    torch.testing.assert_close(m.as_depthwise_conv(x), plain, rtol=0,
                               atol=1e-14)


@pytest.mark.parametrize('weights', [(0.5, 0.5), (0.75, 0.25), (0.6, 0.6)])
@pytest.mark.parametrize('size', [16, 15])
def test_short_term_tdm_fusion(weights, size):
    res = make_res_layer(BasicBlock, 64, 64, 1)
    m = ShortTermTDM(res, fusion_weights=weights).double().eval()
    x = torch.randn(3, 64, size, size, dtype=torch.float64)
    motion = torch.randn(3, 64, (size + 1) // 2, (size + 1) // 2,
                         dtype=torch.float64)
    fast, plain = both_paths(m, x, motion, method='fuse')
    torch.testing.assert_close(fast, plain, rtol=0, atol=1e-14)
    # the plain path is the paper's: a * x + b * nearest-up(motion)
    rows = torch.arange(size) * motion.shape[-1] // size
    up = motion[:, :, rows][..., rows]
    torch.testing.assert_close(plain, weights[0] * x + weights[1] * up)


@pytest.mark.parametrize('size', [32, 33])
@pytest.mark.parametrize('frames', [5, 2])
def test_short_term_tdm_pooled_differences(size, frames, randomise):
    """The fast path's strided conv is the pooling of the differences of
    consecutive frames (odd sizes floor, as the pooling does)."""
    res = make_res_layer(BasicBlock, 16, 16, 1)
    m = randomise(ShortTermTDM(res, frames_per_segment=frames,
                               stem_channels=16)).double().eval()
    segments = torch.randn(4, frames, 3, size, size, dtype=torch.float64)
    fast, plain = both_paths(m, segments)
    for f, p in zip(fast, plain):
        torch.testing.assert_close(f, p, rtol=0, atol=1e-13)


def test_folded_weights_follow_the_module(randomise):
    """The L-TDM's folded weights are kept between calls, and made again
    when a weight or a BN statistic changes in place, or the dtype does."""
    m = randomise(LongTermTDM(32, 4, reduction=4)).eval()
    x = torch.randn(8, 32, 6, 6)
    with torch.no_grad():
        first = m(x)
        assert torch.equal(m(x), first)  # from the cache
        m.expand_bn.running_mean.add_(0.5)
        m.full_conv.weight.mul_(2)
        fast, plain = both_paths(m, x)
    assert not torch.allclose(fast, first)
    torch.testing.assert_close(fast, plain, rtol=1e-5, atol=1e-6)
    m.double()
    fast, plain = both_paths(m, x.double())
    torch.testing.assert_close(fast, plain, rtol=0, atol=1e-13)


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


def test_switch_conditions(monkeypatch):
    m = TemporalConvShift(8, 2)
    assert isinstance(m, FastInferenceMixin) and m.fast_inference
    assert not m.use_fast_path  # autograd on: training and Grad-CAM
    with torch.no_grad():
        assert m.use_fast_path
        m.fast_inference = False
        assert not m.use_fast_path
        m.fast_inference = True
        monkeypatch.setattr(torch.onnx, 'is_in_onnx_export', lambda: True)
        assert not m.use_fast_path  # exported graphs are the plain path


def test_set_fast_inference_reaches_every_module():
    model = torch.nn.Sequential(TemporalConvShift(8, 2), LongTermTDM(32, 2),
                                torch.nn.ReLU())
    assert set_fast_inference(model, False) == 2
    assert not model[0].fast_inference and not model[1].fast_inference


def test_with_autograd_the_plain_path_runs(randomise):
    """Training (and Grad-CAM in eval mode) records the plain path, whatever
    the switch says."""
    m = randomise(LongTermTDM(32, 4, reduction=4)).double().eval()
    x = torch.randn(8, 32, 4, 4, dtype=torch.float64, requires_grad=True)
    out = m(x)
    out.sum().backward()
    assert x.grad is not None and out.grad_fn is not None
    _, plain = both_paths(m, x.detach())
    assert torch.equal(out.detach(), plain)


@pytest.mark.parametrize('channels_last', [False, True])
def test_long_term_tdm_fast_path_under_bf16_autocast(channels_last,
                                                     randomise):
    """Mixed dtypes (bf16 activations, fp32 folded weights) and a
    channels-last input take the fast path too, and agree with the plain
    path to bf16 round-off."""
    m = randomise(LongTermTDM(32, 4, reduction=4)).eval()
    x = torch.randn(8, 32, 6, 6)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        fast, plain = both_paths(m, x)
    assert fast.dtype == plain.dtype
    torch.testing.assert_close(fast.float(), plain.float(), rtol=0.05,
                               atol=0.05 * plain.float().abs().max().item())
