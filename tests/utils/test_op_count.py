import torch
import torch.nn as nn

from tdn_plugin.utils.op_count import (
    AtenOpCounter,
    count_aten_ops,
    ops_by_module,
    ops_per_call,
)


def test_counts_every_aten_op_forward_and_backward():
    x = torch.randn(4, 3, requires_grad=True)

    def forward():
        (x * 2).add_(1).sum()

    counter = count_aten_ops(forward)
    assert counter.total == 3
    assert counter.counts == {'aten.mul.Tensor': 1, 'aten.add_.Tensor': 1,
                              'aten.sum.default': 1}
    counter = count_aten_ops(lambda: (x * 2).sum().backward())
    # forward 2, backward at least the sum's expand and the mul's
    assert counter.total >= 4 and counter.counts['aten.mul.Tensor'] >= 2
    # outside the counter nothing is counted
    x.sum()
    assert counter.total == sum(counter.counts.values())


def test_ops_by_module_and_per_call():
    model = nn.Sequential(nn.Linear(3, 4), nn.Sequential(nn.ReLU()))
    x = torch.randn(2, 3)
    with torch.inference_mode():  # no autograd bookkeeping (detach)
        found = ops_by_module(lambda: model(x) + 1,
                              {'linear': model[0], 'relu': model[1][0]})
    assert found == {'linear': 1, 'relu': 1, '': 1}  # linear: one op
    # hooks are removed, the model's output unchanged
    assert not model[0]._forward_hooks and torch.equal(
        model(x), torch.relu(model[0](x)))
    calls = []
    assert ops_per_call(lambda: calls.append(torch.ones(1) + 1),
                        warmup=2) == 2
    assert len(calls) == 3


def test_counter_is_a_context_manager():
    with AtenOpCounter() as counter:
        torch.zeros(2).add_(1)
    assert counter.total == 2
