"""Learnable temporal shift: a depthwise temporal conv initialised as TSM."""
from typing import Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.autograd.function import once_differentiable

from .compiling import is_compiling
from .temporal_block import TemporalModule


class TemporalConvShift(TemporalModule):
    """Depthwise 1-D convolution over time, initialised to a temporal shift.

    TDN (`arXiv:2012.10071 <https://arxiv.org/abs/2012.10071>`_) places it
    after the long-term TDM in every res3-res5 block. Kernel 3, zero padding
    at the clip borders, no bias. At initialisation the first ``c // 8``
    channels take the next segment, the next ``c // 8`` the previous segment,
    the rest themselves; the kernel is then learned. The weight has
    ``nn.Conv1d``'s layout ``(C, 1, 3)``::

        y[t] = k0 * x[t - 1] + k1 * x[t] + k2 * x[t + 1]   (x = 0 outside)

    ``forward`` accumulates the three products into one output in place
    (no zero-padded copy of x), for training and inference alike, with a
    backward of its own (:class:`TemporalConv`). In an ONNX export it is
    one depthwise conv over T between two transposes
    (:meth:`as_depthwise_conv`): the graph's form, three passes over x
    without in-place updates. Under ``torch.compile`` it is three products
    of rolled maps, out of place (:meth:`as_rolled_products`).

    Args:
        channels (int): Number of channels C.
        num_segments (int): Segments T per clip.
        shift_div (int): ``1 / shift_div`` of the channels shift each way.
            Defaults to 8.
    """

    def __init__(self, channels: int, num_segments: int,
                 shift_div: int = 8) -> None:
        super().__init__()
        self.channels = channels
        self.num_segments = num_segments
        self.shift_div = shift_div
        self.weight = nn.Parameter(torch.empty(channels, 1, 3))
        self.init_weights()

    def init_weights(self) -> None:
        fold = self.channels // self.shift_div
        with torch.no_grad():
            self.weight.zero_()
            self.weight[:fold, 0, 2] = 1  # x[t + 1]
            self.weight[fold:2 * fold, 0, 0] = 1  # x[t - 1]
            self.weight[2 * fold:, 0, 1] = 1  # x[t]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if torch.onnx.is_in_onnx_export():
            return self.as_depthwise_conv(x)
        if is_compiling():
            return self.as_rolled_products(x)
        return TemporalConv.apply(x, self.weight, self.num_segments)

    def as_rolled_products(self, x: torch.Tensor) -> torch.Tensor:
        """:meth:`forward`'s function out of place (:func:`rolled_products`):
        the form ``torch.compile`` takes (inductor fuses it into one kernel
        and derives its backward). The in-place form of
        :class:`TemporalConv`, and a zero pad over T, compiled to wrong
        values after a conv with inductor of torch 2.13."""
        return rolled_products(x, taps(self.weight), self.num_segments)

    def fused_for_inference(self, capability: str) -> nn.Module:
        """This module's inference form (:mod:`.fuse`): a
        :class:`FusedTemporalConvShift`, its taps split once.

        Args:
            capability (str): The CPU capability (unused: one form).

        Returns:
            nn.Module: The inference form.
        """
        return FusedTemporalConvShift(self)

    def as_depthwise_conv(self, x: torch.Tensor) -> torch.Tensor:
        """:meth:`forward`'s function as a depthwise conv over T (kernel 3,
        zero padding) on an (N, C, T, h*w) view: the exported graph's
        form."""
        nt, c, h, w = x.shape
        x = x.view(-1, self.num_segments, c, h * w).transpose(1, 2)
        out = F.conv2d(x, self.weight.view(c, 1, 3, 1), padding=(1, 0),
                       groups=c)  # (N, C, T, h*w)
        return out.transpose(1, 2).reshape(nt, c, h, w)


class TemporalConv(torch.autograd.Function):
    """:class:`TemporalConvShift`'s function with its gradients written out.

    The forward adds the neighbours' products in place into the centre's;
    the backward is the same correlation of the output gradient with the
    kernel reversed in time, and each tap's gradient is one product summed
    per channel. Autograd's record of the in-place form took about three
    times as many passes over the maps (slice copies, zero-filled slice
    gradients and broadcast reductions). Not twice differentiable.

    Args (of ``apply``):
        x (torch.Tensor): (N*T, C, h, w).
        weight (torch.Tensor): (C, 1, 3), taps for t - 1, t, t + 1.
        num_segments (int): Segments T per clip.
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor, weight: torch.Tensor,
                num_segments: int) -> torch.Tensor:
        ctx.save_for_backward(x, weight)
        ctx.num_segments = num_segments
        return _correlate(x, weight, num_segments)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad: torch.Tensor) -> tuple:
        x, weight = ctx.saved_tensors
        t = ctx.num_segments
        grad = grad.contiguous()
        grad_x = grad_weight = None
        if ctx.needs_input_grad[0]:
            # x[t - 1] feeds out[t] through k0: its gradient is k0 * g[t]
            grad_x = _correlate(grad, weight.flip(-1), t)
        if ctx.needs_input_grad[1]:
            nt, c, h, w = x.shape
            x, grad = x.view(-1, t, c, h * w), grad.view(-1, t, c, h * w)
            taps = ((grad[:, 1:], x[:, :-1]), (grad, x),
                    (grad[:, :-1], x[:, 1:]))
            grad_weight = torch.stack([
                torch.mul(g, v).sum(-1).sum((0, 1)) for g, v in taps
            ], -1).view_as(weight)
        return grad_x, grad_weight, None


def taps(weight: torch.Tensor) -> Tuple[torch.Tensor, ...]:
    """The (C, 1, 3) kernel's taps for t - 1, t and t + 1, each shaped
    (1, 1, C, 1, 1) to broadcast over (N, T, C, h, w) maps."""
    c = weight.shape[0]
    return tuple(weight.view(c, 3).t().reshape(3, 1, 1, c, 1, 1))


def _correlate(x: torch.Tensor, weight: torch.Tensor,
               num_segments: int) -> torch.Tensor:
    """``y[t] = k0 * x[t - 1] + k1 * x[t] + k2 * x[t + 1]`` (x = 0 outside
    the clip) on (N*T, C, h, w) maps, the neighbours' products added in
    place into the centre's over the segments that have them."""
    return correlate_taps(x, taps(weight), num_segments)


def correlate_taps(x: torch.Tensor, taps: Sequence[torch.Tensor],
                   num_segments: int) -> torch.Tensor:
    """:func:`_correlate` with the kernel split into its three taps
    (:func:`taps`)."""
    nt, c, h, w = x.shape
    x = x.view(-1, num_segments, c, h, w)  # (N, T, C, h, w)
    k0, k1, k2 = taps
    out = x * k1
    out[:, 1:].addcmul_(x[:, :-1], k0)
    out[:, :-1].addcmul_(x[:, 1:], k2)
    return out.view(nt, c, h, w)


def rolled_products(x: torch.Tensor, taps: Sequence[torch.Tensor],
                    num_segments: int) -> torch.Tensor:
    """:func:`correlate_taps`' function out of place on the (N*T, C, h, w)
    maps, the neighbours taken along N*T and the clip borders masked
    (4-D ops only)."""
    c = x.shape[1]
    t = torch.arange(x.shape[0], device=x.device) % num_segments
    t = t.view(-1, 1, 1, 1)
    k0, k1, k2 = (k.view(1, c, 1, 1) for k in taps)
    return x * k1 + x.roll(1, 0) * (k0 * (t > 0)) + \
        x.roll(-1, 0) * (k2 * (t < num_segments - 1))


class FusedTemporalConvShift(nn.Module):
    """:class:`TemporalConvShift`'s function for inference: the kernel
    split into its three broadcastable taps once (buffers), not on every
    call; the products as the plain module adds them, in place.

    Args:
        plain (TemporalConvShift): The module to take the weight from.
    """

    def __init__(self, plain: TemporalConvShift) -> None:
        super().__init__()
        self.num_segments = plain.num_segments
        for name, tap in zip(('tap_prev', 'tap_centre', 'tap_next'),
                             taps(plain.weight.detach())):
            self.register_buffer(name, tap.contiguous())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """:meth:`TemporalConvShift.forward`."""
        found = (self.tap_prev, self.tap_centre, self.tap_next)
        if is_compiling():
            return rolled_products(x, found, self.num_segments)
        return correlate_taps(x, found, self.num_segments)
