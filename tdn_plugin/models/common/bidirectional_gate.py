"""The L-TDM's gate from its two directions, expand conv and training BN
included, as one autograd function: :func:`bidirectional_gate`."""
from typing import Tuple

import torch
import torch.nn as nn
from torch.autograd.function import once_differentiable

from .compiling import is_compiling


def bidirectional_gate(x: torch.Tensor, s_f: torch.Tensor, s_b: torch.Tensor,
                       conv: nn.Conv2d, bn: nn.Module) -> torch.Tensor:
    """``x * (1 + sigmoid(a_f) + sigmoid(a_b)) / 2`` with ``a = bn(conv(s))``
    for each direction's few-channel map ``s``; ``conv`` is a bias-free 1x1
    conv, stride 1, that widens K channels to x's C (the L-TDM's expand).
    The BN is applied to each direction on its own, forward first, as the
    release calls it.

    A training-mode ``nn.BatchNorm2d`` on CPU, outside autocast, with an
    NCHW ``x``, runs as :class:`BidirectionalGate`: the same function,
    gradients and running statistics, in fewer passes over the C-channel
    maps. Everything else (eval mode, other norms, SyncBN, CUDA, autocast,
    a channels-last ``x``, a conv with a bias or another shape,
    ``torch.compile``, which fuses the modules' element-wise work itself)
    runs the modules as they are.

    Args:
        x (torch.Tensor): (N, C, H, W), the gated features.
        s_f (torch.Tensor): (N, K, H, W), the forward direction's map.
        s_b (torch.Tensor): (N, K, H, W), the backward direction's map.
        conv (nn.Conv2d): The 1x1 conv, K -> C.
        bn (nn.Module): The norm layer after it.

    Returns:
        torch.Tensor: (N, C, H, W).
    """
    if not (type(bn) is nn.BatchNorm2d and bn.training and bn.affine
            and conv.bias is None and conv.kernel_size == (1, 1)
            and conv.stride == (1, 1) and conv.padding == (0, 0)
            and conv.groups == 1
            and x.device.type == 'cpu' and x.is_contiguous()
            and s_f.numel() > s_f.shape[1]
            and not torch.is_autocast_enabled('cpu')
            and not torch.onnx.is_in_onnx_export() and not is_compiling()):
        a_f, a_b = bn(conv(s_f)), bn(conv(s_b))
        # x + x * y, y = (sigmoid(a_f) - 1/2) / 2 + (sigmoid(a_b) - 1/2) / 2:
        # four passes over the C-channel maps instead of eight (and as many
        # ops in an exported graph)
        return (torch.sigmoid(a_f) + torch.sigmoid(a_b) + 1) * x * 0.5
    out, mean, var = BidirectionalGate.apply(x, torch.stack([s_f, s_b]),
                                             conv.weight, bn.weight, bn.bias,
                                             bn.eps)
    if bn.track_running_stats:
        for direction in range(2):  # as two calls of the BN would
            _update_running_stats(bn, mean[direction], var[direction],
                                  s_f.numel() // s_f.shape[1])
    return out


def _update_running_stats(bn: nn.BatchNorm2d, mean: torch.Tensor,
                          var: torch.Tensor, count: int) -> None:
    """What ``nn.BatchNorm2d`` does to its buffers in a training forward
    (``var`` is the biased batch variance; the running one is unbiased)."""
    with torch.no_grad():
        bn.num_batches_tracked.add_(1)
        if bn.momentum is None:  # cumulative moving average
            factor = 1.0 / float(bn.num_batches_tracked)
        else:
            factor = bn.momentum
        bn.running_mean.lerp_(mean.to(bn.running_mean.dtype), factor)
        unbiased = var * (count / (count - 1))
        bn.running_var.lerp_(unbiased.to(bn.running_var.dtype), factor)


class BidirectionalGate(torch.autograd.Function):
    """``x + x * (sigmoid(a_f) - sigmoid(-a_b)) / 2``, which is
    ``x * (1 + sigmoid(a_f) + sigmoid(a_b)) / 2``, with
    ``a_d = BN_d(W s_d)``, each direction's BN with its own batch
    statistics, s_d of few channels K.

    The expand ``W s_d`` has C >> K channels. Its batch mean and variance
    are those of a linear map of s_d: ``mu = W mean(s_d)`` and
    ``var = diag(W cov(s_d) W^T)``, from s_d's centred second moments (a
    K x K matrix). Both directions' normalised outputs, the backward one
    negated, are then one batched matrix product, written once and passed
    through the sigmoid in place; the gate is one subtraction and one
    multiply-add. In the backward, with ``g`` the output gradient,
    ``x``'s is ``g + g * u / 2`` (u the saved ``sigmoid(a_f) -
    sigmoid(-a_b)``), and each direction's ``a_d`` gradient is
    ``g * x * sigmoid'(a_d) / 2`` (read off the saved sigmoids; the sign
    of the negated direction cancels). The BN's and the conv's gradients
    follow in closed form: the per channel sums ``sum(g_a)`` and
    ``sum(g_a * s_c^T)`` (one matrix product over g_a) give the gradients
    of gamma, beta and W, and s_d's is ``W'^T g_a`` (a second product)
    plus a K x K map of s_d. Counted forward and backward: 28 passes over
    the C-channel maps in 9 kernel calls; the modules take 34 in 17 even
    with the expand and its BN as one function.

    Args (of ``apply``):
        x (torch.Tensor): (N, C, H, W), contiguous.
        s (torch.Tensor): (2, N, K, H, W), the forward and backward
            directions' maps.
        weight (torch.Tensor): (C, K, 1, 1), the conv's.
        gamma (torch.Tensor): (C,), the BN's weight.
        beta (torch.Tensor): (C,), the BN's bias.
        eps (float): The BN's eps.

    Returns:
        tuple: The output (N, C, H, W), and each direction's batch mean and
        biased variance of the conv's output (2, C) (not differentiable),
        for the running statistics.
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor, s: torch.Tensor, weight: torch.Tensor,
                gamma: torch.Tensor, beta: torch.Tensor,
                eps: float) -> Tuple[torch.Tensor, ...]:
        directions, n, k, h, w = s.shape
        c = weight.shape[0]
        weight = weight.reshape(c, k)
        s = s.reshape(directions, n, k, h * w)
        mean_s = s.mean((1, 3))  # (D, K)
        # centred s, and a channel of ones that carries beta
        centred = s.new_empty(directions, n, k + 1, h * w)
        torch.sub(s, mean_s[:, None, :, None], out=centred[:, :, :k])
        centred[:, :, k] = 1
        cov = torch.matmul(centred[:, :, :k],
                           centred[:, :, :k].transpose(2, 3)).sum(1) / (
                               n * h * w)  # (D, K, K)
        var = ((weight @ cov) * weight).sum(2)  # (D, C)
        invstd = (var + eps).rsqrt()
        scale = gamma * invstd
        sign = s.new_tensor([1, -1])[:, None, None]
        affine = torch.cat([scale[..., None] * weight,
                            beta.expand(directions, c)[..., None]], 2) * sign
        gates = torch.matmul(affine[:, None], centred).sigmoid_()
        u = torch.sub(gates[0], gates[1]).view(n, c, h, w)
        out = torch.addcmul(x, x, u, value=0.5)
        ctx.save_for_backward(x, gates, u, centred, weight, cov, invstd,
                              scale)
        mean = mean_s @ weight.t()
        ctx.mark_non_differentiable(mean, var)
        return out, mean, var

    @staticmethod
    @once_differentiable
    def backward(ctx, grad: torch.Tensor, _mean: torch.Tensor,
                 _var: torch.Tensor) -> tuple:
        x, gates, u, centred, weight, cov, invstd, scale = ctx.saved_tensors
        directions, n, c, hw = gates.shape
        k = weight.shape[1]
        count = n * hw
        grad = grad.contiguous()
        grad_x = torch.addcmul(grad, grad, u, value=0.5)
        # 2 * dL/da_d, both directions (the negated one's signs cancel)
        grad_a = torch.ops.aten.sigmoid_backward(
            torch.mul(grad, x).view(1, n, c, hw).expand_as(gates), gates)
        # per channel: sum(g_a * s_c) for each input channel, and sum(g_a)
        sums = torch.matmul(grad_a, centred.transpose(2, 3)).sum(1) * 0.5
        grad_beta, grad_gs = sums[..., k], sums[..., :k]  # (D, C), (D, C, K)
        grad_gamma = invstd * (weight * grad_gs).sum(2)  # sum(g_a * s_hat)
        grad_weight = scale[..., None] * (
            grad_gs - (grad_gamma * invstd)[..., None] * (weight @ cov))
        # W^T of the BN's input gradient, scale * (g_a - mean(g_a) - s_hat *
        # mean(g_a * s_hat)), with s_hat = invstd * W s_c
        scaled = scale[..., None] * weight  # (D, C, K)
        grad_s = torch.matmul(scaled.transpose(1, 2)[:, None] * 0.5, grad_a)
        grad_s.add_(torch.matmul(
            (-(scaled * (invstd * grad_gamma / count)[..., None]).transpose(
                1, 2) @ weight)[:, None], centred[:, :, :k]))
        grad_s.sub_((scaled.transpose(1, 2) @ (grad_beta / count)[..., None])
                    [:, None])
        return (grad_x, grad_s.view(directions, n, k, *x.shape[-2:]),
                grad_weight.sum(0).view(c, k, 1, 1), grad_gamma.sum(0),
                grad_beta.sum(0), None)
