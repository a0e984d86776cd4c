import pytest
import torch

from tdn_plugin.models.common.memory_format import to_contiguous


@pytest.mark.parametrize('channels_last', [True, False])
def test_to_contiguous_is_contiguous_with_the_same_gradient(channels_last):
    x = torch.randn(2, 5, 4, 3, dtype=torch.float64)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    x.requires_grad_(True)
    y = to_contiguous(x)
    assert y.is_contiguous() and torch.equal(y, x)
    g = torch.randn(2, 5, 4, 3, dtype=torch.float64)
    (grad, ) = torch.autograd.grad(y, x, g)
    assert torch.equal(grad, g)
    # the gradient goes back in x's own memory format
    assert grad.is_contiguous(
        memory_format=torch.channels_last) == channels_last
    assert grad.is_contiguous() != channels_last
