"""Fixtures shared by the model tests."""
import pytest
import torch
import torch.nn as nn


def randomise_(model: nn.Module, seed: int = 0) -> nn.Module:
    """Give every parameter and BN statistic a random, well-scaled value
    (no identity or zero initialisation left), in place; returns model."""
    g = torch.Generator().manual_seed(seed)

    def randn(t):
        return torch.randn(t.shape, generator=g, dtype=t.dtype)

    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() > 1:
                p.copy_(randn(p) * p[0].numel()**-0.5)
            elif name.endswith('bias'):
                p.copy_(0.1 * randn(p))
            else:  # norm weights
                p.copy_(1 + 0.2 * randn(p))
        for name, b in model.named_buffers():
            if name.endswith('running_var'):
                b.copy_(0.5 + torch.rand(b.shape, generator=g, dtype=b.dtype))
            elif name.endswith('running_mean'):
                b.copy_(0.1 * randn(b))
    return model


@pytest.fixture
def randomise():
    """:func:`randomise_` for a test."""
    return randomise_
