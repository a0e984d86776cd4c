"""The expand conv + training BN as one function: the same outputs,
gradients and running statistics as ``bn(conv(x))`` (float64)."""
import copy

import pytest
import torch
import torch.nn as nn

from tdn_plugin.models.common import long_term_tdm
from tdn_plugin.models.common.long_term_tdm import LongTermTDM
from tdn_plugin.models.common.pointwise_conv_bn import (
    PointwiseConvBN,
    pointwise_conv_bn,
)


def conv_bn(k=6, c=20, momentum=0.1):
    conv = nn.Conv2d(k, c, 1, bias=False).double()
    bn = nn.BatchNorm2d(c, momentum=momentum).double()
    with torch.no_grad():
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-1, 1)
        bn.running_mean.uniform_(-1, 1)
        bn.running_var.uniform_(0.5, 2)
    return conv, bn


def run_both(conv, bn, x, steps=2):
    """(outputs, input grads, modules) of the plain and the fused path
    after ``steps`` training steps (the running statistics accumulate)."""
    results = []
    for fn in (lambda x, c, b: b(c(x)), pointwise_conv_bn):
        c, b = copy.deepcopy(conv), copy.deepcopy(bn)
        for step in range(steps):
            xi = (x + step).clone().requires_grad_()
            out = fn(xi, c, b)
            out.backward(torch.cos(out.detach() * 3))
        results.append((out.detach(), xi.grad, c, b))
    return results


@pytest.mark.parametrize('momentum', [0.1, None])
def test_same_outputs_gradients_and_running_stats(momentum):
    conv, bn = conv_bn(momentum=momentum)
    x = torch.randn(3, 6, 5, 7, dtype=torch.float64) * 2 + 3  # off-centre
    (out, gx, c, b), (out2, gx2, c2, b2) = run_both(conv, bn, x)
    close = dict(rtol=0, atol=1e-12)
    torch.testing.assert_close(out2, out, **close)
    torch.testing.assert_close(gx2, gx, **close)
    torch.testing.assert_close(c2.weight.grad, c.weight.grad, **close)
    torch.testing.assert_close(b2.weight.grad, b.weight.grad, **close)
    torch.testing.assert_close(b2.bias.grad, b.bias.grad, **close)
    torch.testing.assert_close(b2.running_mean, b.running_mean, **close)
    torch.testing.assert_close(b2.running_var, b.running_var, **close)
    assert int(b2.num_batches_tracked) == int(b.num_batches_tracked) == 2


def test_gradcheck():
    x = torch.randn(2, 3, 4, 3, dtype=torch.float64, requires_grad=True)
    weight = torch.randn(5, 3, 1, 1, dtype=torch.float64, requires_grad=True)
    gamma = torch.rand(5, dtype=torch.float64).add(0.5).requires_grad_()
    beta = torch.randn(5, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda *a: PointwiseConvBN.apply(*a, 1e-5)[0],
        (x, weight, gamma, beta))


@pytest.mark.parametrize('case', ['eval', 'no_affine', 'group_norm',
                                  'one_value', 'bias', 'padding'])
def test_other_cases_run_the_modules(case, monkeypatch):
    """Where the function would not be the same (or not apply), the
    modules run as they are."""
    conv, bn = conv_bn()
    x = torch.randn(2, 6, 4, 4, dtype=torch.float64)
    if case == 'eval':
        bn.eval()
    elif case == 'no_affine':
        bn = nn.BatchNorm2d(20, affine=False).double()
    elif case == 'group_norm':
        bn = nn.GroupNorm(4, 20).double()
    elif case == 'one_value':
        x = x[:1, :, :1, :1]
    elif case == 'bias':
        conv = nn.Conv2d(6, 20, 1).double()
    else:
        conv = nn.Conv2d(6, 20, 1, padding=1, bias=False).double()

    def refuse(*args):
        raise AssertionError('PointwiseConvBN used')

    monkeypatch.setattr(PointwiseConvBN, 'apply', refuse)
    if case == 'one_value':  # BN's own error for a single value
        with pytest.raises(ValueError):
            pointwise_conv_bn(x, conv, bn)
        return
    torch.testing.assert_close(pointwise_conv_bn(x, conv, bn), bn(conv(x)))


def test_long_term_tdm_training_step(randomise, monkeypatch):
    """The L-TDM's training forward and backward with the fused expand are
    those of the plain conv + BN."""
    m = randomise(LongTermTDM(32, 4, reduction=4)).double().train()
    x = torch.randn(8, 32, 6, 5, dtype=torch.float64)
    grads = []
    for fused in (True, False):
        if not fused:
            monkeypatch.setattr(long_term_tdm, 'pointwise_conv_bn',
                                lambda x, conv, bn: bn(conv(x)))
        module, xi = copy.deepcopy(m), x.clone().requires_grad_()
        out = module(xi)
        out.backward(torch.sin(out.detach()))
        grads.append([out.detach(), xi.grad] +
                     [p.grad for p in module.parameters()] +
                     [module.expand_bn.running_var])
    for a, b in zip(*grads):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-12)
