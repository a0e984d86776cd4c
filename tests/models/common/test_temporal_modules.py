import pytest
import torch
import torch.nn.functional as F

from tdn_plugin.models.common import (
    LongTermTDM,
    ShortTermTDM,
    TemporalConvShift,
)
from tdn_plugin.models.common.short_term_tdm import (
    fuse_motion,
    pooled_differences,
)
from tdn_plugin.models.common.temporal_conv_shift import TemporalConv


def conv1d_reference(x, weight, t):
    """The release's way: (N*T, C, h, w) -> (N*h*w, C, T) -> Conv1d."""
    nt, c, h, w = x.shape
    y = x.view(-1, t, c, h, w).permute(0, 3, 4, 2, 1).reshape(-1, c, t)
    y = F.conv1d(y, weight, padding=1, groups=c)
    return y.view(-1, h, w, c, t).permute(0, 4, 3, 1, 2).reshape(nt, c, h, w)


def test_temporal_conv_starts_as_exact_shift():
    t, c = 4, 16
    m = TemporalConvShift(c, t)
    x = torch.randn(2 * t, c, 3, 3)
    y = m(x).view(2, t, c, 3, 3)
    x = x.view(2, t, c, 3, 3)
    fold = c // 8
    assert torch.equal(y[:, :-1, :fold], x[:, 1:, :fold])  # next segment
    assert torch.all(y[:, -1, :fold] == 0)
    assert torch.equal(y[:, 1:, fold:2 * fold], x[:, :-1, fold:2 * fold])
    assert torch.all(y[:, 0, fold:2 * fold] == 0)
    assert torch.equal(y[:, :, 2 * fold:], x[:, :, 2 * fold:])


def test_temporal_conv_equals_conv1d_with_any_weights():
    t, c = 8, 24
    m = TemporalConvShift(c, t)
    torch.nn.init.normal_(m.weight)
    x = torch.randn(2 * t, c, 5, 4, requires_grad=True)
    ref = conv1d_reference(x, m.weight, t)
    torch.testing.assert_close(m(x), ref, rtol=1e-5, atol=1e-5)
    m(x).square().sum().backward()
    assert m.weight.grad is not None and m.weight.grad.abs().sum() > 0


def test_temporal_conv_gradients_are_conv1d_gradients():
    """The in-place accumulation is recorded by autograd: float64 gradients
    of x and the kernel equal the release's Conv1d form's."""
    t, c = 4, 16
    m = TemporalConvShift(c, t).double()
    torch.nn.init.normal_(m.weight)
    x = torch.randn(2 * t, c, 3, 5, dtype=torch.float64, requires_grad=True)
    g = torch.randn(2 * t, c, 3, 5, dtype=torch.float64)
    grads = torch.autograd.grad(m(x), (x, m.weight), g)
    ref = torch.autograd.grad(conv1d_reference(x, m.weight, t),
                              (x, m.weight), g)
    for got, want in zip(grads, ref):
        torch.testing.assert_close(got, want, rtol=0, atol=1e-13)



@pytest.mark.parametrize('needs', [(True, True), (True, False),
                                   (False, True)])
def test_temporal_conv_backward_passes_gradcheck(needs):
    """The written-out backward (``TemporalConv``) against finite
    differences in float64, for whichever inputs need a gradient."""
    t, c = 3, 4
    m = TemporalConvShift(c, t).double()
    torch.nn.init.normal_(m.weight)
    x = torch.randn(2 * t, c, 2, 3, dtype=torch.float64)
    x.requires_grad_(needs[0])
    m.weight.requires_grad_(needs[1])
    assert torch.autograd.gradcheck(
        lambda x, w: TemporalConv.apply(x, w, t), (x, m.weight))

def randomised(module):
    torch.manual_seed(0)
    for p in module.parameters():
        torch.nn.init.normal_(p, std=0.3)
    return module.eval()


def test_long_term_tdm_is_bidirectional():
    t, c = 5, 32
    m = randomised(LongTermTDM(c, t, reduction=4))
    x = torch.randn(t, c, 6, 6)
    base = m(x)
    for s in (1, 3):
        x2 = x.clone()
        x2[s + 1] += 1.0  # the next segment changes segment s (forward)
        assert not torch.allclose(m(x2)[s], base[s])
        x3 = x.clone()
        x3[s - 1] += 1.0  # the previous segment changes s (backward)
        assert not torch.allclose(m(x3)[s], base[s])
        # a segment two steps away does not
        x4 = x.clone()
        x4[(s + 3) % t] += 1.0
        assert torch.allclose(m(x4)[s], base[s])
    forward, backward = m.differences(x)
    assert torch.all(forward[t - 1] == 0)  # zero padding at the ends
    assert torch.all(backward[0] == 0)


def test_long_term_tdm_gate_is_dense_and_bounded():
    m = randomised(LongTermTDM(32, 4, reduction=4))
    x = torch.rand(8, 32, 7, 7) + 0.5
    ratio = m(x) / x  # 1 + y, y in (-0.5, 0.5)
    assert ratio.min() > 0.5 and ratio.max() < 1.5
    assert ratio[0, 0].std() > 0  # varies over pixels: no global pooling


def test_short_term_tdm_reads_consecutive_differences():
    from mmaction.models.backbones.resnet import BasicBlock, make_res_layer
    res = make_res_layer(BasicBlock, 64, 64, 1,
                         norm_cfg=dict(type='BN2d'),
                         act_cfg=dict(type='ReLU'))
    m = ShortTermTDM(res, frames_per_segment=5).eval()
    frames = torch.randn(3, 5, 3, 32, 32)
    stem, res2 = m(frames)
    assert stem.shape == (3, 64, 4, 4) and res2.shape == (3, 64, 4, 4)
    # a constant offset on every frame does not change differences
    stem2, _ = m(frames + 3.0)
    torch.testing.assert_close(stem, stem2)
    x = torch.randn(3, 64, 8, 8)
    fused = m.fuse(x, stem)
    torch.testing.assert_close(
        fused, 0.5 * x + 0.5 * stem.repeat_interleave(2, -1)
        .repeat_interleave(2, -2))


@pytest.mark.parametrize('size', [(8, 8), (7, 9)])
@pytest.mark.parametrize('frames', [5, 2])
def test_pooled_differences_are_the_pooled_frame_differences(size, frames):
    """float64: the strided sums (training and inference) and the exported
    graph's form are the 2x2 pooling (floor) of the differences of
    consecutive frames, channels-last; with frames that need a gradient,
    its gradient too."""
    segments = torch.randn(3, frames, 3, *size, dtype=torch.float64)
    d = (segments[:, 1:] - segments[:, :-1]).flatten(1, 2)
    expected = F.avg_pool2d(d, 2)
    g = torch.randn_like(expected)
    y = segments.clone().requires_grad_()
    torch.autograd.backward(
        F.avg_pool2d((y[:, 1:] - y[:, :-1]).flatten(1, 2), 2), g)
    for form in (pooled_differences, ShortTermTDM.pooled_differences_as_graph):
        for grad in (False, True):
            x = segments.clone().requires_grad_(grad)
            diff = form(x)
            assert diff.is_contiguous(memory_format=torch.channels_last)
            torch.testing.assert_close(diff, expected, rtol=0, atol=1e-14)
        torch.autograd.backward(diff, g)
        torch.testing.assert_close(x.grad, y.grad, rtol=0, atol=1e-14)


@pytest.mark.parametrize('weights', [(0.5, 0.5), (0.75, 0.25), (0.6, 0.6)])
def test_motion_fusion_gradients_are_the_formulas(weights):
    """float64: the one-pass fusion's values and gradients are those of
    ``a * x + b * nearest-up(motion)``."""
    x = torch.randn(2, 4, 6, 8, dtype=torch.float64, requires_grad=True)
    motion = torch.randn(2, 4, 3, 4, dtype=torch.float64, requires_grad=True)
    g = torch.randn(2, 4, 6, 8, dtype=torch.float64)
    out = fuse_motion(x, motion, weights)
    formula = weights[0] * x + weights[1] * F.interpolate(motion, size=(6, 8))
    torch.testing.assert_close(out, formula, rtol=0, atol=1e-15)
    for got, want in zip(torch.autograd.grad(out, (x, motion), g),
                         torch.autograd.grad(formula, (x, motion), g)):
        torch.testing.assert_close(got, want, rtol=0, atol=1e-14)
