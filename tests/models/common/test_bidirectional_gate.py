"""The L-TDM's gate, expand conv and training BN as one function: the same
outputs, gradients and running statistics as the modules (float64)."""
import copy

import pytest
import torch
import torch.nn as nn

from tdn_plugin.models.common import long_term_tdm
from tdn_plugin.models.common.bidirectional_gate import (
    BidirectionalGate,
    bidirectional_gate,
)
from tdn_plugin.models.common.long_term_tdm import LongTermTDM


def conv_bn(k=6, c=20, momentum=0.1):
    conv = nn.Conv2d(k, c, 1, bias=False).double()
    bn = nn.BatchNorm2d(c, momentum=momentum).double()
    with torch.no_grad():
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-1, 1)
        bn.running_mean.uniform_(-1, 1)
        bn.running_var.uniform_(0.5, 2)
    return conv, bn


def modules_gate(x, s_f, s_b, conv, bn):
    """The gate as the modules compute it, one direction after the other."""
    a_f, a_b = bn(conv(s_f)), bn(conv(s_b))
    return x + x * ((torch.sigmoid(a_f) - 0.5) / 2 +
                    (torch.sigmoid(a_b) - 0.5) / 2)


def run_both(conv, bn, inputs, steps=2):
    """(output, input grads, modules) of the modules and of the function
    after ``steps`` training steps (the running statistics accumulate)."""
    results = []
    for fn in (modules_gate, bidirectional_gate):
        c, b = copy.deepcopy(conv), copy.deepcopy(bn)
        for step in range(steps):
            leaves = [(t + step).clone().requires_grad_() for t in inputs]
            out = fn(*leaves, c, b)
            out.backward(torch.cos(out.detach() * 3))
        results.append((out.detach(), [t.grad for t in leaves], c, b))
    return results


@pytest.mark.parametrize('momentum', [0.1, None])
def test_same_outputs_gradients_and_running_stats(momentum):
    conv, bn = conv_bn(momentum=momentum)
    x = torch.randn(3, 20, 5, 7, dtype=torch.float64)
    s_f = torch.randn(3, 6, 5, 7, dtype=torch.float64) * 2 + 3  # off-centre
    s_b = torch.randn(3, 6, 5, 7, dtype=torch.float64) - 1
    (out, grads, c, b), (out2, grads2, c2, b2) = run_both(
        conv, bn, (x, s_f, s_b))
    close = dict(rtol=0, atol=1e-12)
    torch.testing.assert_close(out2, out, **close)
    for g2, g in zip(grads2, grads):
        torch.testing.assert_close(g2, g, **close)
    torch.testing.assert_close(c2.weight.grad, c.weight.grad, **close)
    torch.testing.assert_close(b2.weight.grad, b.weight.grad, **close)
    torch.testing.assert_close(b2.bias.grad, b.bias.grad, **close)
    torch.testing.assert_close(b2.running_mean, b.running_mean, **close)
    torch.testing.assert_close(b2.running_var, b.running_var, **close)
    assert int(b2.num_batches_tracked) == int(b.num_batches_tracked) == 4


def test_gradcheck():
    x = torch.randn(2, 5, 4, 3, dtype=torch.float64, requires_grad=True)
    s = torch.randn(2, 2, 3, 4, 3, dtype=torch.float64, requires_grad=True)
    weight = torch.randn(5, 3, 1, 1, dtype=torch.float64, requires_grad=True)
    gamma = torch.rand(5, dtype=torch.float64).add(0.5).requires_grad_()
    beta = torch.randn(5, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda *a: BidirectionalGate.apply(*a, 1e-5)[0],
        (x, s, weight, gamma, beta))


@pytest.mark.parametrize('case', ['eval', 'no_affine', 'group_norm',
                                  'one_value', 'bias', 'padding',
                                  'channels_last'])
def test_other_cases_run_the_modules(case, monkeypatch):
    """Where the function would not be the same (or not apply), the
    modules run as they are."""
    conv, bn = conv_bn()
    x = torch.randn(2, 20, 4, 4, dtype=torch.float64)
    s_f, s_b = torch.randn(2, 2, 6, 4, 4, dtype=torch.float64)
    if case == 'eval':
        bn.eval()
    elif case == 'no_affine':
        bn = nn.BatchNorm2d(20, affine=False).double()
    elif case == 'group_norm':
        bn = nn.GroupNorm(4, 20).double()
    elif case == 'one_value':
        x, s_f, s_b = x[:1, :, :1, :1], s_f[:1, :, :1, :1], s_b[:1, :, :1, :1]
    elif case == 'bias':
        conv = nn.Conv2d(6, 20, 1).double()
    elif case == 'padding':
        conv = nn.Conv2d(6, 20, 1, padding=1, bias=False).double()
        x = torch.randn(2, 20, 6, 6, dtype=torch.float64)
    else:
        x = x.contiguous(memory_format=torch.channels_last)

    def refuse(*args):
        raise AssertionError('BidirectionalGate used')

    monkeypatch.setattr(BidirectionalGate, 'apply', refuse)
    if case == 'one_value':  # BN's own error for a single value
        with pytest.raises(ValueError):
            bidirectional_gate(x, s_f, s_b, conv, bn)
        return
    torch.testing.assert_close(
        bidirectional_gate(x, s_f, s_b, conv, bn),
        modules_gate(x, s_f, s_b, conv, bn), rtol=0, atol=1e-13)


def test_long_term_tdm_training_step(randomise, monkeypatch):
    """The L-TDM's training forward and backward with the fused gate are
    those of the modules."""
    m = randomise(LongTermTDM(32, 4, reduction=4)).double().train()
    x = torch.randn(8, 32, 6, 5, dtype=torch.float64)
    results, calls = [], []
    apply = BidirectionalGate.apply
    monkeypatch.setattr(BidirectionalGate, 'apply',
                        lambda *a: calls.append(1) or apply(*a))
    for fused in (True, False):
        if not fused:
            monkeypatch.setattr(long_term_tdm, 'bidirectional_gate',
                                modules_gate)
        module, xi = copy.deepcopy(m), x.clone().requires_grad_()
        out = module(xi)
        out.backward(torch.sin(out.detach()))
        results.append([out.detach(), xi.grad] +
                       [p.grad for p in module.parameters()] +
                       [module.expand_bn.running_var])
    assert calls == [1]  # the fused run took the function
    for a, b in zip(*results):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-12)
