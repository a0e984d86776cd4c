"""Long-term temporal difference module (L-TDM) of TDN."""
import torch
import torch.nn as nn
import torch.nn.functional as F

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
    each direction's batch separately, as released. (Batching the two
    directions would be exact in eval mode, but PyTorch's CPU kernels for
    these few-channel convs are slower at the doubled batch.)

    Args:
        channels (int): Number of channels C.
        num_segments (int): Segments T per clip.
        reduction (int): Channel reduction r. Defaults to 16.
    """

    def __init__(self, channels: int, num_segments: int,
                 reduction: int = 16) -> None:
        super().__init__()
        self.num_segments = num_segments
        mid = channels // reduction
        self.reduce = nn.Conv2d(channels, mid, 1, bias=False)
        self.reduce_bn = nn.BatchNorm2d(mid)
        self.neighbour_conv = nn.Conv2d(
            mid, mid, 3, padding=1, groups=mid, bias=False)
        self.pooled_conv = nn.Conv2d(mid, mid, 3, padding=1, bias=False)
        self.pooled_bn = nn.BatchNorm2d(mid)
        self.full_conv = nn.Conv2d(mid, mid, 3, padding=1, bias=False)
        self.full_bn = nn.BatchNorm2d(mid)
        self.expand = nn.Conv2d(mid, channels, 1, bias=False)
        self.expand_bn = nn.BatchNorm2d(channels)

    def init_weights(self) -> None:
        """PyTorch's default initialisation, as in the release."""
        for m in self.modules():
            if m is not self:
                m.reset_parameters()

    def differences(self, x: torch.Tensor) -> torch.Tensor:
        """Forward and backward feature differences, (2, N*T, C/r, h, w)."""
        b = self.reduce_bn(self.reduce(x))
        cb = self.neighbour_conv(b)
        b = b.view((-1, self.num_segments) + b.shape[1:])  # (N, T, C/r, h, w)
        cb = cb.view(b.shape)
        d = b.new_zeros((2, ) + b.shape)  # zero at t = T-1 / t = 0
        d[0, :, :-1] = cb[:, 1:] - b[:, :-1]  # d_f[t] = cb[t+1] - b[t]
        d[1, :, 1:] = cb[:, :-1] - b[:, 1:]  # d_b[t] = cb[t-1] - b[t]
        return d.flatten(1, 2)

    def excite(self, d: torch.Tensor) -> torch.Tensor:
        """Multi-scale excitation of difference maps, back to C channels."""
        # a 1-pixel map (tiny inputs) pools to itself; elsewhere as released
        tiny = min(int(size) for size in d.shape[-2:]) < 2  # int: traceable
        pooled = F.avg_pool2d(d, 2, ceil_mode=tiny)
        pooled = self.pooled_bn(self.pooled_conv(pooled))
        pooled = F.interpolate(pooled, size=d.shape[-2:])  # nearest
        full = self.full_bn(self.full_conv(d))
        return conv_bn(self.expand, self.expand_bn, (d + pooled + full) / 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        d = self.differences(x)
        a_f, a_b = self.excite(d[0]), self.excite(d[1])
        # y = (sigmoid(a_f) - 1/2) / 2 + (sigmoid(a_b) - 1/2) / 2, so
        # x + x * y = x * (1 + sigmoid(a_f) + sigmoid(a_b)) / 2
        if torch.is_grad_enabled():
            gate = torch.sigmoid(a_f) + torch.sigmoid(a_b)
            return torch.addcmul(x * 0.5, x, gate, value=0.5)
        # inference: the same arithmetic in the memory of a_f, no temporaries
        return a_f.sigmoid_().add_(a_b.sigmoid_()).add_(1).mul_(x).mul_(0.5)


def conv_bn(conv: nn.Conv2d, bn: nn.BatchNorm2d,
            x: torch.Tensor) -> torch.Tensor:
    """``bn(conv(x))``; in eval mode with the BN folded into the conv's
    weights, which saves a pass over the C-channel output."""
    if bn.training or conv.bias is not None:
        return bn(conv(x))
    scale = bn.weight * torch.rsqrt(bn.running_var + bn.eps)
    bias = bn.bias - bn.running_mean * scale
    return F.conv2d(x, conv.weight * scale.view(-1, 1, 1, 1), bias,
                    conv.stride, conv.padding, conv.dilation, conv.groups)
