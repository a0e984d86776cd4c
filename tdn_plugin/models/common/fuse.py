"""Inference forms of a model, built once: :func:`fuse_for_inference`.

A trained model's temporal modules compute the paper's equations in their
``forward`` (what training, Grad-CAM and ONNX export run). For inference
alone the same function can be computed with fewer passes over memory:
eval-mode BNs folded into the conv before them, 1x1 convs as matrix
products, in-place gates, a fused upsample-and-blend. Those forms are
separate modules (``Fused*``), built once from a module's weights by its
``fused_for_inference(capability)`` method, the pattern of timm's
``reparameterize_model`` and mmpretrain's ``switch_to_deploy``.

Where the fastest form differs by CPU, a module chooses it from the
capability PyTorch dispatches its kernels for
(``torch.backends.cpu.get_cpu_capability()``: ``'AVX512'``, ``'AVX2'``,
...), read once when the model is fused, never from a vendor name.
"""
import copy
from typing import Optional, Tuple

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmcv.cnn.bricks import wrappers
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.utils.fusion import fuse_conv_bn_weights


def cpu_capability() -> str:
    """The CPU capability PyTorch's kernels run with (``'AVX512'``,
    ``'AVX2'``, ``'DEFAULT'`` ...; ``ATEN_CPU_CAPABILITY`` lowers it)."""
    return torch.backends.cpu.get_cpu_capability()


def fuse_for_inference(model: nn.Module,
                       inplace: bool = False,
                       capability: Optional[str] = None) -> nn.Module:
    """The model in eval mode with its modules replaced by their inference
    forms, where they have one; the same function.

    Every module with a ``fused_for_inference(capability)`` method (the
    temporal modules of TDN and GTDNet) is replaced by what it returns; an
    eval-mode ``ConvModule`` (conv -> BN -> activation) of any recognizer,
    MMAction2's TSN/TSM/I3D included, has its BN folded into the conv
    (:func:`fold_conv_module`). A model without such modules comes back as
    it was, in eval mode.

    The result is for inference: run it under ``torch.inference_mode()``
    or ``torch.no_grad()``. Training, Grad-CAM, MAC counting and ONNX
    export use the model as built (its modules compute the paper's
    equations); load weights before fusing, since the inference forms keep
    derived weights (buffers under new names).

    Args:
        model (nn.Module): A recognizer or any module.
        inplace (bool): Change ``model`` itself instead of a copy.
            Defaults to False.
        capability (str, optional): The CPU capability to choose forms for.
            Defaults to None: :func:`cpu_capability`.

    Returns:
        nn.Module: The inference model (eval mode).
    """
    if not inplace:
        model = copy.deepcopy(model)
    model.eval()  # some hosts' train() returns None (MMAction2's ResNet)
    capability = capability or cpu_capability()
    with torch.no_grad():
        _fuse_children(model, capability)
    model.eval()
    return model


def _fuse_children(module: nn.Module, capability: str) -> None:
    for name, child in module.named_children():
        build = getattr(child, 'fused_for_inference', None)
        fused = build(capability) if callable(build) else None
        if fused is not None and fused is not child:
            setattr(module, name, fused)  # its parts are fused in turn
            child = fused
        elif isinstance(child, ConvModule):
            fold_conv_module(child)
        _fuse_children(child, capability)


def fold_conv_bn(conv: nn.Module, bn: nn.Module,
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


# convs whose weight is used as it is (a subclass such as ConvWS transforms
# it): mmcv's wrappers only add support for empty inputs
FOLDABLE_CONVS = (nn.Conv1d, nn.Conv2d, nn.Conv3d, wrappers.Conv2d,
                  wrappers.Conv3d)


def fold_conv_module(module: ConvModule) -> bool:
    """Fold an eval-mode ConvModule's BN into its conv, in place (the norm
    becomes an ``nn.Identity``); returns whether it did. A conv wrapped by
    another module (MMAction2's TSM shift wraps ``conv.net``) is folded
    through the wrapper, whose own work comes before the conv."""
    if not module.with_norm or module.order != ('conv', 'norm', 'act'):
        return False
    conv = module.conv
    while type(conv) not in FOLDABLE_CONVS and isinstance(
            getattr(conv, 'net', None), nn.Module):
        conv = conv.net
    if type(conv) not in FOLDABLE_CONVS:
        return False
    folded = fold_conv_bn(conv, module.norm)
    if folded is None:
        return False
    conv.weight = nn.Parameter(folded[0], requires_grad=False)
    conv.bias = nn.Parameter(folded[1], requires_grad=False)
    setattr(module, module.norm_name, nn.Identity())
    return True


def pointwise_conv(x: torch.Tensor,
                   weight: torch.Tensor,
                   bias: Optional[torch.Tensor] = None) -> torch.Tensor:
    """A 1x1 conv, stride 1, as one matrix product over the pixels.

    On CPU, PyTorch's conv kernels are several times slower than a matrix
    product for the few-channel 1x1 convs of the TDMs (8-32 channels on one
    side). A channels-last ``x`` goes to ``F.conv2d``. A weight given as
    (C_out, C_in) and a bias as (C_out, 1), the forms an inference module
    keeps, need no reshaping per call.

    Args:
        x (torch.Tensor): (N, C_in, H, W).
        weight (torch.Tensor): (C_out, C_in) or (C_out, C_in, 1, 1).
        bias (torch.Tensor, optional): (C_out, ) or (C_out, 1). Defaults to
            None.

    Returns:
        torch.Tensor: (N, C_out, H, W).
    """
    if weight.dim() != 2:
        weight = weight.reshape(weight.shape[0], -1)
    if not x.is_contiguous():
        return torch.nn.functional.conv2d(
            x, weight[..., None, None],
            None if bias is None else bias.reshape(-1))
    n, _, h, w = x.shape
    out = torch.matmul(weight, x.view(n, -1, h * w))
    if bias is not None:
        out.add_(bias if bias.dim() == 2 else bias.view(-1, 1))
    return out.view(n, -1, h, w)
