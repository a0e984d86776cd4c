"""The one switch for the speed-only inference paths of the temporal modules.

The temporal modules' ``forward`` reads like the paper's equations. A few of
them also have a faster way to compute the *same function* when no gradient
is needed (an in-place gate, BN folded into the conv before it, a fused
upsample-and-blend, a temporal conv written as three in-place multiply-adds).
Those paths sit behind one attribute, ``fast_inference``, which a backbone
sets on all its modules (``ResNetTDN(fast_inference=...)``, or later
``backbone.fast_inference = False``).

A module takes its fast path only when all of these hold:

* ``fast_inference`` is True (the default);
* autograd is off (``torch.no_grad()`` / ``torch.inference_mode()``), so
  training, and eval-mode uses that need gradients (Grad-CAM), always run the
  plain path;
* no ONNX export is running (``torch.onnx.is_in_onnx_export()``): exported
  graphs are the plain path, which has no in-place updates and no
  trace-time branch on the feature-map size, so they stay valid for other
  batch, view and image sizes. (One module has a form of its own for
  graphs, again the same function: the temporal conv, as one depthwise
  conv over T.)

The helpers below are the fast paths' shared tools: an eval-mode BN folded
into the conv before it (:func:`fold_conv_bn`), kept until the module's
weights change (:meth:`FastInferenceMixin.cached`), and a 1x1 conv as one
matrix product (:func:`pointwise_conv`).
"""
from typing import Callable, Optional, Tuple, TypeVar

import torch
import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.utils.fusion import fuse_conv_bn_weights

T = TypeVar('T')


class FastInferenceMixin:
    """Gives a module the ``fast_inference`` switch (see the module
    docstring).

    Attributes:
        fast_inference (bool): Allow the speed-only path. Defaults to True.
    """

    fast_inference: bool = True

    @property
    def use_fast_path(self) -> bool:
        """Whether this call may take the speed-only path."""
        return (self.fast_inference and not torch.is_grad_enabled()
                and not torch.onnx.is_in_onnx_export())

    def cached(self, build: Callable[[], T]) -> T:
        """``build()``, computed again only when a parameter or buffer of
        this module has changed since the last call (an optimiser step,
        ``load_state_dict``, ``.to()``, BN statistics): for weights that a
        fast path derives from the module's own (folded BNs)."""
        try:
            key = tuple((t.data_ptr(), t._version, t.dtype)
                        for t in (*self.parameters(), *self.buffers()))
        except RuntimeError:  # inference tensors track no versions
            return build()
        hit = self.__dict__.get('_fast_path_cache')
        if hit is None or hit[0] != key:
            hit = (key, build())
            self.__dict__['_fast_path_cache'] = hit
        return hit[1]


def set_fast_inference(model: nn.Module, enabled: bool) -> int:
    """Set ``fast_inference`` on every module of ``model`` that has the
    switch; returns how many modules it set."""
    count = 0
    for module in model.modules():
        if isinstance(module, FastInferenceMixin):
            module.fast_inference = bool(enabled)
            count += 1
    return count


def fold_conv_bn(conv: nn.Conv2d, bn: nn.Module,
                 gain: float = 1.0) -> Optional[Tuple[torch.Tensor,
                                                      torch.Tensor]]:
    """Weight and bias of one conv computing ``gain * bn(conv(x))`` (folded
    by PyTorch's ``fuse_conv_bn_weights``), or None where that is not the
    same function: a norm other than a BN, or a BN that normalises with
    batch statistics."""
    if (not isinstance(bn, _BatchNorm) or bn.training
            or not bn.track_running_stats):
        return None
    weight, bias = fuse_conv_bn_weights(conv.weight, conv.bias,
                                        bn.running_mean, bn.running_var,
                                        bn.eps, bn.weight, bn.bias)
    return weight.detach() * gain, bias.detach() * gain


def pointwise_conv(x: torch.Tensor,
                   weight: torch.Tensor,
                   bias: Optional[torch.Tensor] = None) -> torch.Tensor:
    """A 1x1 conv, stride 1, as one matrix product over the pixels.

    On CPU, PyTorch's conv kernels are several times slower than a matrix
    product for the few-channel 1x1 convs of the TDMs (8-32 channels on one
    side). A channels-last ``x`` goes to ``F.conv2d``.

    Args:
        x (torch.Tensor): (N, C_in, H, W).
        weight (torch.Tensor): (C_out, C_in) or (C_out, C_in, 1, 1).
        bias (torch.Tensor, optional): (C_out, ). Defaults to None.

    Returns:
        torch.Tensor: (N, C_out, H, W).
    """
    weight = weight.reshape(weight.shape[0], -1)
    if not x.is_contiguous():
        return torch.nn.functional.conv2d(x, weight[..., None, None], bias)
    n, _, h, w = x.shape
    out = torch.matmul(weight, x.view(n, -1, h * w))
    if bias is not None:
        out.add_(bias.view(-1, 1))
    return out.view(n, -1, h, w)
