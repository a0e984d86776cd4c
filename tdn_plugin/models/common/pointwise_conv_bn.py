"""A 1x1 conv from few channels followed by a training-mode BN, as one
autograd function: :func:`pointwise_conv_bn`."""
import torch
import torch.nn as nn
from torch.autograd.function import once_differentiable


def pointwise_conv_bn(x: torch.Tensor, conv: nn.Conv2d,
                      bn: nn.Module) -> torch.Tensor:
    """``bn(conv(x))`` for a bias-free 1x1 conv, stride 1, that widens few
    channels K to many C (the L-TDM's expand).

    A training-mode ``nn.BatchNorm2d`` on CPU, outside autocast, runs as
    :class:`PointwiseConvBN`: the same function, gradients and running
    statistics, from fewer passes over the C-channel maps. Everything
    else (eval mode, other norms, SyncBN, CUDA, autocast, a conv with a
    bias or another shape) runs ``bn(conv(x))`` as it is.

    Args:
        x (torch.Tensor): (N, K, H, W).
        conv (nn.Conv2d): The 1x1 conv, K -> C.
        bn (nn.Module): The norm layer after it.

    Returns:
        torch.Tensor: (N, C, H, W).
    """
    if not (type(bn) is nn.BatchNorm2d and bn.training and bn.affine
            and conv.bias is None and conv.kernel_size == (1, 1)
            and conv.stride == (1, 1) and conv.padding == (0, 0)
            and conv.groups == 1
            and x.device.type == 'cpu' and x.numel() > x.shape[1]
            and not torch.is_autocast_enabled('cpu')
            and not torch.onnx.is_in_onnx_export()):
        return bn(conv(x))
    out, mean, var = PointwiseConvBN.apply(x, conv.weight, bn.weight,
                                           bn.bias, bn.eps)
    if bn.track_running_stats:
        _update_running_stats(bn, mean, var, x.numel() // x.shape[1])
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


class PointwiseConvBN(torch.autograd.Function):
    """``BN(conv1x1(x))`` with batch statistics, x of few channels K.

    The conv output ``e = W x`` has C >> K channels. Its batch mean and
    variance are those of a linear map of x: ``mu = W mean(x)`` and
    ``var = diag(W cov(x) W^T)``, from x's centred second moments (a K x K
    matrix). The normalised output is then one matrix product,
    ``out = diag(gamma / sqrt(var + eps)) W (x - mean(x)) + beta``, written
    once; ``e`` is never stored. The backward is the BN's and the conv's
    gradients in closed form: with ``g`` the output gradient, the per
    channel sums ``sum(g)`` and ``sum(g * x_c^T)`` (one matrix product over
    g) give the gradients of gamma, beta and W, and the input's gradient
    is ``W'^T g`` (a second product over g) plus a K x K map of x. PyTorch's
    conv and BN took four to five passes over the C-channel maps each way.

    Args (of ``apply``):
        x (torch.Tensor): (N, K, H, W).
        weight (torch.Tensor): (C, K, 1, 1), the conv's.
        gamma (torch.Tensor): (C,), the BN's weight.
        beta (torch.Tensor): (C,), the BN's bias.
        eps (float): The BN's eps.

    Returns:
        tuple: The output (N, C, H, W), and the batch mean and biased
        variance of the conv's output (C,) (not differentiable), for the
        running statistics.
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor, weight: torch.Tensor,
                gamma: torch.Tensor, beta: torch.Tensor,
                eps: float) -> tuple:
        n, k, h, w = x.shape
        c = weight.shape[0]
        weight = weight.reshape(c, k)
        x = x.reshape(n, k, h * w)
        mean_x = x.mean((0, 2))
        # centred x, and a channel of ones that carries beta
        centred = x.new_empty(n, k + 1, h * w)
        torch.sub(x, mean_x[:, None], out=centred[:, :k])
        centred[:, k] = 1
        cov = torch.matmul(centred[:, :k], centred[:, :k].transpose(
            1, 2)).sum(0) / (n * h * w)
        var = ((weight @ cov) * weight).sum(1)
        invstd = (var + eps).rsqrt()
        scale = gamma * invstd
        out = torch.matmul(torch.cat([scale[:, None] * weight, beta[:, None]],
                                     1), centred)
        mean = weight @ mean_x
        ctx.save_for_backward(centred, weight, cov, invstd, scale)
        ctx.mark_non_differentiable(mean, var)
        return out.view(n, c, h, w), mean, var

    @staticmethod
    @once_differentiable
    def backward(ctx, grad: torch.Tensor, _mean: torch.Tensor,
                 _var: torch.Tensor) -> tuple:
        centred, weight, cov, invstd, scale = ctx.saved_tensors
        n, c, h, w = grad.shape
        k = weight.shape[1]
        count = n * h * w
        grad = grad.reshape(n, c, h * w)
        # per channel: sum(g * x_c) for each input channel, and sum(g)
        sums = torch.matmul(grad, centred.transpose(1, 2)).sum(0)
        grad_beta, grad_gx = sums[:, k], sums[:, :k]
        grad_gamma = invstd * (weight * grad_gx).sum(1)  # sum(g * x_hat)
        grad_weight = scale[:, None] * (
            grad_gx - (grad_gamma * invstd)[:, None] * (weight @ cov))
        # W^T of the BN's input gradient, scale * (g - mean(g) - x_hat *
        # mean(g * x_hat)), with x_hat = invstd * W x_c
        grad_x = torch.matmul((scale[:, None] * weight).t(), grad)
        grad_x.add_(
            torch.matmul(
                -(weight.t() * (scale * invstd * grad_gamma / count)) @ weight,
                centred[:, :k]))
        grad_x.sub_((weight.t() @ (scale * grad_beta / count))[:, None])
        return (grad_x.view(n, k, h, w), grad_weight.view(c, k, 1, 1),
                grad_gamma, grad_beta, None)
