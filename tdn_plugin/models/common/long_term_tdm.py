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
    """:class:`LongTermTDM`'s function for inference, with fewer passes over
    memory: every BN, the ``1/3`` and the pooling's ``1/4`` are folded into
    the convs, the 1x1 convs are matrix products (the expand's bias carried
    by a channel of ones), ``up`` adds through a broadcasting view, and the
    gate is written, by ``sigmoid(a) - 1 = -sigmoid(-a)``, as
    ``x + x * (sigmoid(a_f) - sigmoid(-a_b)) / 2``, the backward direction
    through the negated expand weights, in place. (``tanh``, which would
    fold the halves too, runs several times slower than ``sigmoid`` on
    PyTorch's CPU kernels.)

    The C/r-channel maps between the reduce and the expand are kept
    channels-last: PyTorch's CPU kernels for few-channel 3x3 and depthwise
    convs run several times faster on them than on NCHW maps, and the 2x2
    pooling is a sum of four strided views. The expand reads them through a
    transposed view, so the C-channel gate keeps ``x``'s layout. The two
    directions go through the few-channel convs, the expand and the sigmoid
    as one batch (:func:`stacked_differences`): half the kernel calls, each
    with a fixed cost that dominates at these sizes.

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
        weight, bias = pooled
        pooled = weight / 4, bias  # it convolves the sums of 2x2 windows
        weight, bias = reduce  # as pointwise_conv takes them, no reshape
        reduce = weight.flatten(1), bias[:, None]
        for name, (weight, bias) in (('reduce', reduce), ('pooled', pooled),
                                     ('full', full)):
            self.register_buffer(f'{name}_weight', weight)
            self.register_buffer(f'{name}_bias', bias)
        weight, bias = expand
        expand = torch.cat([weight.flatten(1) / 3, bias[:, None]], 1)
        expand = torch.stack([expand, -expand])[:, None]  # (2, 1, C, K+1)
        # as _expand multiplies them for each layout of x (no per-call view)
        self.register_buffer('expand_weight', expand)
        self.register_buffer('expand_weight_t',
                             expand.transpose(2, 3).contiguous())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """:meth:`LongTermTDM.forward`."""
        b = pointwise_conv(x, self.reduce_weight, self.reduce_bias)
        b = b.contiguous(memory_format=torch.channels_last)
        n, mid, h, w = b.shape
        cb = F.conv2d(b, self.neighbour_weight, padding=1, groups=mid)
        d = stacked_differences(b, self.num_segments, cb)  # (2n, mid, h, w)
        # d + up(pooled) + full, channels-last, with a channel of ones that
        # carries the expand's bias through its matmul
        s = b.new_empty(2 * n, h * w, mid + 1)
        s[..., mid].fill_(1)
        summed = s[..., :mid].view(2 * n, h, w, mid).permute(0, 3, 1, 2)
        pooled = F.conv2d(window_sums(d), self.pooled_weight, self.pooled_bias,
                          padding=1)
        write_into(summed, torch.add,
                   F.conv2d(d, self.full_weight, self.full_bias, padding=1),
                   d)
        add_upsampled_(summed, pooled)
        gate_f, gate_b = _expand(s.view(2, n, h * w, mid + 1),
                                 self.expand_weight, self.expand_weight_t,
                                 x).sigmoid_()
        gate = gate_f.sub_(gate_b)  # sigmoid(a_f) - sigmoid(-a_b)
        # in place unless autocast left the gate in a narrower dtype than x
        if gate.dtype != x.dtype:
            return torch.addcmul(x, x, gate, value=0.5)
        return write_into(gate, torch.addcmul, x, x, gate, value=0.5)


def _expand(s: torch.Tensor, weight: torch.Tensor, weight_t: torch.Tensor,
            x: torch.Tensor) -> torch.Tensor:
    """The 1x1 convs of the channels-last ``s`` (D, N, h*w, K) by ``weight``
    (D, 1, C, K), one per direction (``weight_t``: its (D, 1, K, C)
    transpose, contiguous): (D, N, C, h, w) maps, each (N, C, h, w) in
    ``x``'s layout (NCHW or channels-last)."""
    n, c, h, w = x.shape
    if is_channels_last(x):
        return torch.matmul(s, weight_t).view(-1, n, h, w, c).permute(
            0, 1, 4, 2, 3)
    return torch.matmul(weight, s.transpose(2, 3)).view(-1, n, c, h, w)


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


def stacked_differences(b: torch.Tensor, num_segments: int,
                        cb: torch.Tensor) -> torch.Tensor:
    """:func:`neighbour_differences` ``d_f`` and ``d_b`` stacked on the
    batch axis, a (2*N*T, C', h, w) channels-last map written once: the two
    directions then go through the few-channel convs as one batch (for the
    inference form; not an exported graph's op)."""
    n, c, h, w = b.shape
    d = b.new_empty(2 * n, h, w, c).permute(0, 3, 1, 2)
    d_f, d_b = d.unflatten(0, (2, -1, num_segments))  # (N, T, C', h, w)
    b = b.unflatten(0, (-1, num_segments))
    cb = cb.unflatten(0, (-1, num_segments))
    write_into(d_f[:, :-1], torch.sub, cb[:, 1:], b[:, :-1])
    write_into(d_b[:, 1:], torch.sub, cb[:, :-1], b[:, 1:])
    d_f[:, -1].zero_()
    d_b[:, 0].zero_()
    return d
