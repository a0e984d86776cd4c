"""Leaving a channels-last part of a network for NCHW features."""
import torch


def is_channels_last(x: torch.Tensor) -> bool:
    """Whether ``x`` is laid out channels-last and not also NCHW (a 4-D
    tensor with 1x1 maps or one channel is both)."""
    return x.is_contiguous(
        memory_format=torch.channels_last) and not x.is_contiguous()


class ToContiguous(torch.autograd.Function):
    """``x.contiguous()`` whose gradient goes back in x's memory format.

    The channels-last stems (:meth:`.TemporalResNet.forward_stem`, the
    S-TDM's motion path) hand NCHW features to the rest of the network.
    Through a plain ``contiguous()`` the gradient comes back NCHW, and the
    channels-last max-pool and convs below then convert their saved
    full-resolution inputs to its format in the backward; converting the
    small gradient once instead is the same function with fewer passes.
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        ctx.channels_last = is_channels_last(x)
        return x.contiguous()

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        if ctx.channels_last and grad.dim() == 4:
            return grad.contiguous(memory_format=torch.channels_last)
        return grad


def to_contiguous(x: torch.Tensor) -> torch.Tensor:
    """``x.contiguous()``, its gradient in x's memory format
    (:class:`ToContiguous`; a plain ``contiguous()`` in an ONNX export)."""
    if torch.onnx.is_in_onnx_export():
        return x.contiguous()
    return ToContiguous.apply(x)
