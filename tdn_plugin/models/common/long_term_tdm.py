"""Long-term temporal difference module (L-TDM) of TDN."""
from typing import Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer

from .bidirectional_gate import bidirectional_gate
from .compiling import write_into
from .fuse import fold_conv_bn, pointwise_conv
from .memory_format import is_channels_last
from .pool2 import pool2, pool2_sum
from .temporal_block import TemporalModule


class LongTermTDM(TemporalModule):
    """Long-term TDM: a dense motion gate from bidirectional differences of
    neighbouring segments' features.

    From `TDN: Temporal Difference Networks for Efficient Action Recognition
    <https://arxiv.org/abs/2012.10071>`_, as the authors' release computes it
    (every res3-res5 block, at the bottleneck width C)::

        b   = BN(conv1x1(x))                       C -> C/r
        cb  = depthwise_conv3x3(b)
        d_f[t] = cb[t+1] - b[t]   (0 at t = T-1)
        d_b[t] = cb[t-1] - b[t]   (0 at t = 0)
        s(d) = up(BN(conv3x3(pool2(d)))) + BN(conv3x3(d))
        a(d) = BN(conv1x1((d + s(d)) / 3))
        y   = (sigmoid(a(d_f)) - 1/2) / 2 + (sigmoid(a(d_b)) - 1/2) / 2
        out = x + x * y

    The gate is per channel and per pixel. Both directions share weights and
    go through them one after the other, so in training each BN normalises
    each direction's batch separately, as released. (The inference form,
    whose BNs use running statistics, batches the two directions.)

    ``pool2`` is a 2x2 average pooling with floor rounding, as released; a
    1-pixel map (inputs of 32 px reach it in res5), which the release cannot
    pool, is pooled to itself. ``up`` is nearest upsampling back to d's size.

    The gate is computed as ``x * (1 + sigmoid(a_f) + sigmoid(a_b)) / 2``
    (:func:`.bidirectional_gate`), the same function in half the
    element-wise passes; in training on CPU the expand conv, its BN, the
    sigmoids and the gate run as one function, in fewer passes still.

    Its inference form (:meth:`fused_for_inference`) is
    :class:`FusedLongTermTDM`.

    Args:
        channels (int): Number of channels C.
        num_segments (int): Segments T per clip.
        reduction (int): Channel reduction r. Defaults to 16.
        norm_cfg (dict): Config of the four norm layers (injected by the
            backbone from its own ``norm_cfg``). Defaults to
            ``dict(type='BN2d', requires_grad=True)``.
    """

    def __init__(self,
                 channels: int,
                 num_segments: int,
                 reduction: int = 16,
                 norm_cfg: dict = dict(type='BN2d',
                                       requires_grad=True)) -> None:
        super().__init__()
        self.num_segments = num_segments
        mid = channels // reduction
        self.reduce = nn.Conv2d(channels, mid, 1, bias=False)
        self.reduce_bn = build_norm_layer(norm_cfg, mid)[1]
        self.neighbour_conv = nn.Conv2d(
            mid, mid, 3, padding=1, groups=mid, bias=False)
        self.pooled_conv = nn.Conv2d(mid, mid, 3, padding=1, bias=False)
        self.pooled_bn = build_norm_layer(norm_cfg, mid)[1]
        self.full_conv = nn.Conv2d(mid, mid, 3, padding=1, bias=False)
        self.full_bn = build_norm_layer(norm_cfg, mid)[1]
        self.expand = nn.Conv2d(mid, channels, 1, bias=False)
        self.expand_bn = build_norm_layer(norm_cfg, channels)[1]

    def init_weights(self) -> None:
        """PyTorch's default initialisation, as in the release."""
        for m in self.modules():
            if m is not self and hasattr(m, 'reset_parameters'):
                m.reset_parameters()

    def differences(self,
                    x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Forward and backward feature differences ``(d_f, d_b)``, each
        (N*T, C/r, h, w)."""
        b = self.reduce_bn(self.reduce(x))
        return neighbour_differences(b, self.num_segments,
                                     self.neighbour_conv(b))

    def multiscale(self, d: torch.Tensor) -> torch.Tensor:
        """``(d + s(d)) / 3``: a difference map with its multi-scale
        excitation, still at C/r channels."""
        pooled = self.pooled_bn(self.pooled_conv(pool2(d)))
        pooled = F.interpolate(pooled, size=d.shape[-2:])  # nearest
        full = self.full_bn(self.full_conv(d))
        return (d + pooled + full) / 3

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        d_f, d_b = self.differences(x)
        return bidirectional_gate(x, self.multiscale(d_f),
                                  self.multiscale(d_b), self.expand,
                                  self.expand_bn)

    def fused_for_inference(self, capability: str) -> nn.Module:
        """This module's inference form (:mod:`.fuse`): a
        :class:`FusedLongTermTDM`, or ``self`` where a norm is not an
        eval-mode BN with running statistics (nothing to fold).

        Args:
            capability (str): The CPU capability (unused: the same form
                is the fastest with AVX2 and with AVX-512).

        Returns:
            nn.Module: The inference form.
        """
        folds = (fold_conv_bn(self.reduce, self.reduce_bn),
                 fold_conv_bn(self.pooled_conv, self.pooled_bn),
                 fold_conv_bn(self.full_conv, self.full_bn),
                 fold_conv_bn(self.expand, self.expand_bn))
        if any(f is None for f in folds):
            return self
        return FusedLongTermTDM(self.num_segments, *folds,
                                self.neighbour_conv.weight.detach())


class FusedLongTermTDM(nn.Module):
    """:class:`LongTermTDM`'s function for inference, in fewer ops and
    passes over memory: every BN, the ``1/3`` and the pooling's ``1/4`` are
    folded into the convs, ``d + full(d)`` is one conv (an identity added at
    its centre tap), the 1x1 convs are matrix products (the expand's bias
    carried by a channel of ones, a constant output channel of the full
    conv), ``up`` adds through a broadcasting view, and the gate is
    written, by ``sigmoid(a) - 1 = -sigmoid(-a)``, as
    ``x + x * (sigmoid(a_f) - sigmoid(-a_b)) / 2``, the backward direction
    through the negated expand weights, in place. (``tanh``, which would
    fold the halves too, runs several times slower than ``sigmoid`` on
    PyTorch's CPU kernels.)

    The C/r-channel maps between the reduce and the expand are kept
    channels-last: PyTorch's CPU kernels for few-channel 3x3 and depthwise
    convs run several times faster on them than on NCHW maps, and the 2x2
    pooling is one ``avg_pool2d`` or, where that is slower, a sum of four
    strided views (:func:`window_sums`). The expand's matrix product reads
    them as they lie (channels fastest), so the C-channel gate keeps
    ``x``'s layout. The two
    directions go through the few-channel convs, the expand and the sigmoid
    as one batch (:func:`stacked_differences`): half the kernel calls, each
    with a fixed cost that dominates at these sizes. One call runs 26 ATen
    ops, views included (36 where :func:`window_sums` pools by views).

    Args:
        num_segments (int): Segments T per clip.
        reduce (tuple): Folded (weight, bias) of ``reduce`` + BN.
        pooled (tuple): Folded ``pooled_conv`` + BN.
        full (tuple): Folded ``full_conv`` + BN.
        expand (tuple): Folded ``expand`` + BN.
        neighbour_weight (torch.Tensor): The depthwise ``neighbour_conv``'s.
    """

    def __init__(self, num_segments: int, reduce: tuple, pooled: tuple,
                 full: tuple, expand: tuple,
                 neighbour_weight: torch.Tensor) -> None:
        super().__init__()
        self.num_segments = num_segments
        self.register_buffer('neighbour_weight', neighbour_weight)
        mid = neighbour_weight.shape[0]
        weight, bias = reduce  # as pointwise_conv takes them, no reshape
        self.register_buffer('reduce_weight', weight.flatten(1))
        self.register_buffer('reduce_bias', bias[:, None])
        # the pooled conv convolves the sums of 2x2 windows; the full conv
        # adds d itself (an identity at its centre tap); each has one more
        # output channel, constant: 0 for the pooled, 1 for the full, which
        # carries the expand's bias through its matmul
        weight, bias = pooled
        weight, bias = with_constant_channel(weight / 4, bias, 0.)
        self.register_buffer('pooled_weight', weight)
        self.register_buffer('pooled_bias', bias)
        weight, bias = full
        weight = weight.clone()
        weight[:, :, 1, 1] += torch.eye(mid, dtype=weight.dtype,
                                        device=weight.device)
        weight, bias = with_constant_channel(weight, bias, 1.)
        self.register_buffer('full_weight', weight)
        self.register_buffer('full_bias', bias)
        weight, bias = expand
        expand = torch.cat([weight.flatten(1) / 3, bias[:, None]], 1)
        expand = torch.stack([expand, -expand])[:, None]  # (2, 1, C, K+1)
        # as _expand multiplies them for each layout of x (no per-call view)
        self.register_buffer('expand_weight', expand)
        self.register_buffer('expand_weight_t',
                             expand.transpose(2, 3).contiguous())
        self.register_buffer('border_mask', border_mask(num_segments),
                             persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """:meth:`LongTermTDM.forward`."""
        b = pointwise_conv(x, self.reduce_weight, self.reduce_bias)
        b = b.contiguous(memory_format=torch.channels_last)
        n, mid, h, w = b.shape
        cb = F.conv2d(b, self.neighbour_weight, padding=1, groups=mid)
        d = stacked_differences(b, cb, self.border_mask)  # (2n, mid, h, w)
        # s = d + full(d) + up(pooled), and a channel of ones: (2n, mid + 1,
        # h, w), channels-last as d
        pooled = F.conv2d(window_sums(d), self.pooled_weight, self.pooled_bias,
                          padding=1)
        s = add_upsampled_(
            F.conv2d(d, self.full_weight, self.full_bias, padding=1), pooled)
        gate_f, gate_b = _expand(s.view(2, n, mid + 1, h * w),
                                 self.expand_weight, self.expand_weight_t,
                                 x).sigmoid_()
        gate = gate_f.sub_(gate_b)  # sigmoid(a_f) - sigmoid(-a_b)
        # in place unless autocast left the gate in a narrower dtype than x
        if gate.dtype != x.dtype:
            return torch.addcmul(x, x, gate, value=0.5)
        return write_into(gate, torch.addcmul, x, x, gate, value=0.5)


def _expand(s: torch.Tensor, weight: torch.Tensor, weight_t: torch.Tensor,
            x: torch.Tensor) -> torch.Tensor:
    """The 1x1 convs of ``s`` (D, N, K, h*w), a view of channels-last maps
    (K the fastest axis), by ``weight`` (D, 1, C, K), one per direction
    (``weight_t``: its (D, 1, K, C) transpose, contiguous): (D, N, C, h, w)
    maps, each (N, C, h, w) in ``x``'s layout (NCHW or channels-last)."""
    n, c, h, w = x.shape
    if is_channels_last(x):
        return torch.matmul(s.transpose(2, 3), weight_t).view(
            -1, n, h, w, c).permute(0, 1, 4, 2, 3)
    return torch.matmul(weight, s).view(-1, n, c, h, w)


def with_constant_channel(weight: torch.Tensor, bias: torch.Tensor,
                          value: float) -> Tuple[torch.Tensor, torch.Tensor]:
    """A conv's (weight, bias) with one more output channel, last, that is
    ``value`` wherever the input is finite (zero weights, bias
    ``value``)."""
    return (torch.cat([weight, weight.new_zeros(1, *weight.shape[1:])]),
            torch.cat([bias, bias.new_full((1, ), value)]))


# few-channel maps with more pixels than this (N*h*w) are pooled as sums of
# strided views, others by avg_pool2d; measured on 2 threads, AVX-512 and
# AVX2 alike (min of 30 runs, sums against avg_pool2d, us), 8 channels:
# 16x56x56 84 / 157, 32x28x28 49 / 77, 16x28x28 44 / 40, 16x27x27 44 / 36,
# 16x14x14 21 / 12; 16 and 32 channels, every map of R50's res4-res5 at
# 224 px: avg_pool2d 2-4x faster
POOL2_SUM_PIXELS = 16384
POOL2_SUM_CHANNELS = 16


def window_sums(d: torch.Tensor) -> torch.Tensor:
    """:func:`.pool2_sum` (the sums of the 2x2 windows, floor rounding) of
    a channels-last map, in one op (``avg_pool2d`` with divisor 1), or, for
    few channels over many pixels, where that kernel is slower, as four
    strided views (11 ops)."""
    n, c, h, w = d.shape
    if h < 2 or w < 2 or (c < POOL2_SUM_CHANNELS
                          and n * h * w > POOL2_SUM_PIXELS):
        return pool2_sum(d)
    return F.avg_pool2d(d, 2, divisor_override=1)


def add_upsampled_(x: torch.Tensor, small: torch.Tensor) -> torch.Tensor:
    """``x += up(small)``, nearest upsampling to x's size, in place; an exact
    x2 upsampling through a broadcasting view (in any memory layout), never
    materialised."""
    n, c, h, w = small.shape
    if x.shape[-2:] == (2 * h, 2 * w):
        x.view(n, c, h, 2, w, 2).add_(small.view(n, c, h, 1, w, 1))
        return x
    return x.add_(F.interpolate(small, size=x.shape[-2:]))


def neighbour_differences(
        b: torch.Tensor, num_segments: int,
        cb: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """``d_f[t] = cb[t+1] - b[t]`` (0 at t = T-1) and ``d_b[t] = cb[t-1] -
    b[t]`` (0 at t = 0), on (N*T, C', h, w) maps.

    Neighbours are taken along the (N*T) axis and the clip borders masked
    to zero: every op stays 4-D, which OpenVINO's int8 passes need (a pad
    on an (N, T, ...) view made them fail).
    """
    t = torch.arange(b.shape[0], device=b.device) % num_segments
    t = t.view(-1, 1, 1, 1)
    d_f = (cb.roll(-1, 0) - b) * (t < num_segments - 1).to(b.dtype)
    d_b = (cb.roll(1, 0) - b) * (t > 0).to(b.dtype)
    return d_f, d_b


def border_mask(num_segments: int) -> torch.Tensor:
    """(2, 1, T, 1, 1, 1): 0 at ``d_f``'s last segment and at ``d_b``'s
    first, 1 elsewhere; it broadcasts over the (2, N, T, C', h, w) view of
    :func:`stacked_differences`' maps, whatever the batch N."""
    mask = torch.ones(2, 1, num_segments, 1, 1, 1)
    mask[0, :, -1] = 0
    mask[1, :, 0] = 0
    return mask


def stacked_differences(b: torch.Tensor, cb: torch.Tensor,
                        mask: torch.Tensor) -> torch.Tensor:
    """:func:`neighbour_differences` ``d_f`` and ``d_b`` stacked on the
    batch axis, a (2*N*T, C', h, w) map in ``cb``'s memory layout, in seven
    ops whatever the batch (for the inference form, where each op's fixed
    cost weighs more than these few-channel maps' passes): the neighbours
    rolled along N*T, ``b`` subtracted, and the clip borders, where a roll
    reaches into the next clip, zeroed by ``mask`` (:func:`border_mask`,
    whose T gives the segments)."""
    nt, c, h, w = b.shape
    t = mask.shape[2]
    d = torch.cat([cb.roll(-1, 0), cb.roll(1, 0)])
    d.view(2, -1, t, c, h, w).sub_(b.view(1, -1, t, c, h, w)).mul_(mask)
    return d
