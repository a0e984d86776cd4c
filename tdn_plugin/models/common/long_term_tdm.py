"""Long-term temporal difference module (L-TDM) of TDN."""
from typing import Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from torch.nn.modules.batchnorm import _BatchNorm

from .fast_inference import FastInferenceMixin
from .temporal_block import TemporalModule


class LongTermTDM(FastInferenceMixin, TemporalModule):
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
    each direction's batch separately, as released. (Batching the two
    directions would be exact in eval mode, but PyTorch's CPU kernels for
    these few-channel convs are slower at the doubled batch.)

    ``pool2`` is a 2x2 average pooling with floor rounding, as released; a
    1-pixel map (inputs of 32 px reach it in res5), which the release cannot
    pool, is pooled to itself. ``up`` is nearest upsampling back to d's size.

    The gate is computed as ``x * (1 + sigmoid(a_f) + sigmoid(a_b)) / 2``,
    the same function in half the element-wise passes. With
    ``fast_inference`` (:mod:`.fast_inference`) and autograd off, the last
    BN is also folded into its conv and the gate is computed in place.

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
        cb = self.neighbour_conv(b)
        b = b.view((-1, self.num_segments) + b.shape[1:])  # (N, T, C/r, h, w)
        cb = cb.view(b.shape)
        # zero padding on the T axis: d_f[T-1] = 0, d_b[0] = 0
        d_f = F.pad(cb[:, 1:] - b[:, :-1], (0, 0, 0, 0, 0, 0, 0, 1))
        d_b = F.pad(cb[:, :-1] - b[:, 1:], (0, 0, 0, 0, 0, 0, 1, 0))
        return d_f.flatten(0, 1), d_b.flatten(0, 1)

    def excite(self, d: torch.Tensor) -> torch.Tensor:
        """``a(d)``: multi-scale excitation of difference maps, back to C
        channels."""
        tiny = min(int(size) for size in d.shape[-2:]) < 2  # int: traceable
        pooled = F.avg_pool2d(d, 2, ceil_mode=tiny)
        if self.use_fast_path:  # the BNs folded, the 1/3 into the expand
            pooled = folded_conv_bn(self.pooled_conv, self.pooled_bn, pooled)
            pooled = F.interpolate(pooled, size=d.shape[-2:])  # nearest
            s = pooled.add_(folded_conv_bn(self.full_conv, self.full_bn,
                                           d)).add_(d)
            return folded_conv_bn(self.expand, self.expand_bn, s, 1 / 3)
        pooled = self.pooled_bn(self.pooled_conv(pooled))
        pooled = F.interpolate(pooled, size=d.shape[-2:])  # nearest
        full = self.full_bn(self.full_conv(d))
        s = (d + pooled + full) / 3
        return self.expand_bn(self.expand(s))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        d_f, d_b = self.differences(x)
        a_f, a_b = self.excite(d_f), self.excite(d_b)
        # x + x * y, y = (sigmoid(a_f) - 1/2) / 2 + (sigmoid(a_b) - 1/2) / 2,
        # is x * (1 + sigmoid(a_f) + sigmoid(a_b)) / 2: four passes over the
        # C-channel maps instead of eight (and as many ops in an exported
        # graph)
        if self.use_fast_path:  # in the memory of a_f, without temporaries
            return a_f.sigmoid_().add_(a_b.sigmoid_()).add_(1).mul_(x).mul_(
                0.5)
        return (torch.sigmoid(a_f) + torch.sigmoid(a_b) + 1) * x * 0.5


def folded_conv_bn(conv: nn.Conv2d, bn: nn.Module, x: torch.Tensor,
                   gain: float = 1.0) -> torch.Tensor:
    """``bn(conv(gain * x))``, with an eval-mode BN (and the gain) folded into
    the conv's weights (saves passes over the output); any other norm, or a
    BN that normalises with batch statistics, is applied as it is."""
    if (not isinstance(bn, _BatchNorm) or bn.training
            or not bn.track_running_stats or conv.bias is not None):
        return bn(conv(x if gain == 1 else x * gain))
    scale = torch.rsqrt(bn.running_var + bn.eps)
    if bn.affine:
        scale = bn.weight * scale
    bias = -bn.running_mean * scale
    if bn.affine:
        bias = bias + bn.bias
    return F.conv2d(x, conv.weight * (scale * gain).view(-1, 1, 1, 1), bias,
                    conv.stride, conv.padding, conv.dilation, conv.groups)
