import itertools

import pytest
import torch
import torch.nn as nn

from tdn_plugin.models.common.gtdm import (
    GlobalAggregation,
    GlobalDifferenceAttention,
    GlobalTemporalDifferenceModule,
)
from tdn_plugin.models.common.temporal_block import TemporalModule

OPTIONS = list(
    itertools.product(('mean', 'attention'), ('channel', 'temporal', 'none'),
                      ('gate', 'map')))


def make_gtdm(aggregation='attention',
              attention='channel',
              enhancement='gate',
              channels=32,
              num_segments=4,
              **kwargs):
    gtdm = GlobalTemporalDifferenceModule(
        channels,
        num_segments,
        aggregation=aggregation,
        attention=attention,
        enhancement=enhancement,
        **kwargs)
    gtdm.init_weights()
    return gtdm


def randomise(module):
    """A non-identity state: every parameter random (no zero scorer, no
    identity projections, no zero last layer)."""
    torch.manual_seed(1)
    with torch.no_grad():
        for p in module.parameters():
            p.normal_(0, 0.5)
    return module


def test_is_a_temporal_module():
    assert isinstance(make_gtdm(), TemporalModule)


@pytest.mark.parametrize('aggregation,attention,enhancement', OPTIONS)
def test_shape_and_identity_at_init(aggregation, attention, enhancement):
    torch.manual_seed(0)
    gtdm = make_gtdm(aggregation, attention, enhancement)
    x = torch.randn(2 * 4, 32, 5, 6)
    for mode in (True, False):  # BN's batch statistics, then running ones
        gtdm.train(mode)
        out = gtdm(x)
        assert out.shape == x.shape
        assert torch.equal(out, x)


@pytest.mark.parametrize('aggregation,attention,enhancement', OPTIONS)
def test_every_parameter_gets_gradient(aggregation, attention, enhancement):
    torch.manual_seed(0)
    gtdm = make_gtdm(aggregation, attention, enhancement)
    x = torch.randn(2 * 4, 32, 5, 6)
    target = torch.randn_like(x)
    optimizer = torch.optim.SGD(gtdm.parameters(), lr=0.5)
    # step 1: every parameter is on the graph, the zero-initialised last
    # projection has a non-zero gradient already
    ((gtdm(x) - target)**2).mean().backward()
    for name, p in gtdm.named_parameters():
        assert p.grad is not None, name
        assert torch.isfinite(p.grad).all(), name
    assert gtdm.expand.weight.grad.abs().sum() > 0
    optimizer.step()
    optimizer.zero_grad()
    # step 2: once the last projection has moved, nothing is dead
    ((gtdm(x) - target)**2).mean().backward()
    for name, p in gtdm.named_parameters():
        assert p.grad.abs().sum() > 0, name


@pytest.mark.parametrize('aggregation,attention,enhancement', OPTIONS)
def test_global_vector_uses_every_segment(aggregation, attention,
                                          enhancement):
    torch.manual_seed(0)
    t = 4
    gtdm = randomise(make_gtdm(aggregation, attention, enhancement)).eval()
    x = torch.randn(2 * t, 32, 3, 3)
    with torch.no_grad():
        out = gtdm(x).view(2, t, -1)
        for k in range(t):
            perturbed = x.clone()
            perturbed[k] += torch.randn_like(perturbed[k])  # clip 0, seg k
            new = gtdm(perturbed).view(2, t, -1)
            for s in range(t):  # every segment of clip 0 changes
                assert not torch.allclose(new[0, s], out[0, s]), (k, s)
            assert torch.equal(new[1], out[1])  # the other clip does not


def test_static_clip_passes_unchanged():
    """Alike segments have no global difference: identity, whatever the
    weights."""
    gtdm = randomise(make_gtdm(enhancement='map')).eval()
    frame = torch.randn(1, 32, 3, 3)
    x = frame.expand(4, -1, -1, -1).contiguous()
    with torch.no_grad():
        assert torch.allclose(gtdm(x), x, atol=1e-5)


def test_aggregation():
    local = torch.randn(2, 5, 8)
    mean = GlobalAggregation(8, 'mean')
    assert len(list(mean.parameters())) == 0
    g = mean(local)  # (N, C', 1, 1)
    assert g.shape == (2, 8, 1, 1)
    assert torch.allclose(g[..., 0, 0], local.mean(1), atol=1e-6)
    attention = GlobalAggregation(8, 'attention')
    attention.init_weights()
    assert torch.allclose(attention(local), g, atol=1e-6)  # starts as mean
    randomise(attention)
    weights = attention.weights(local)
    assert torch.allclose(weights.sum(1), torch.ones(2, 8), atol=1e-6)
    # values of a map: (N, C', T, P) -> (N, C', 1, P)
    maps = torch.randn(2, 8, 5, 7)
    assert attention(local, maps).shape == (2, 8, 1, 7)


def test_difference_attention_channel_is_softmax_affinity_at_init():
    t, c = 6, 8
    attention = GlobalDifferenceAttention(c, 'channel')
    attention.init_weights()
    d = torch.randn(2, t, c)
    affinity = torch.softmax(d.transpose(1, 2) @ d / t**0.5, dim=-1)
    expected = d.transpose(1, 2) + affinity @ d.transpose(1, 2)
    assert torch.allclose(attention(d)[..., 0], expected, atol=1e-5)


def test_difference_attention_temporal_is_per_channel_over_time():
    t, c = 5, 8
    attention = randomise(GlobalDifferenceAttention(c, 'temporal'))
    d = torch.randn(2, t, c)
    affinity = attention.affinity(d)
    assert affinity.shape == (2, c, t, t)
    assert torch.allclose(affinity.sum(-1), torch.ones(2, c, t), atol=1e-5)
    out = attention(d)[..., 0]  # (N, C', T)
    q, k = attention.query(d), attention.key(d)  # (N, T, C')
    for ch in (0, c - 1):
        a = torch.softmax(q[0, :, ch, None] * k[0, None, :, ch], dim=-1)
        expected = d[0, :, ch] + a @ d[0, :, ch]
        assert torch.allclose(out[0, ch], expected, atol=1e-5)


def test_difference_attention_none_has_no_parameters():
    attention = GlobalDifferenceAttention(8, 'none')
    assert len(list(attention.parameters())) == 0
    d = torch.randn(2, 4, 8)
    assert torch.equal(attention(d)[..., 0], d.transpose(1, 2))


def test_no_bare_parameters_or_layernorm():
    """Only leaf modules hold parameters (MMAction2's TSM constructor drops
    others), and no LayerNorm."""
    for enhancement in ('gate', 'map'):
        gtdm = make_gtdm(enhancement=enhancement)
        for module in gtdm.modules():
            assert not isinstance(module, nn.LayerNorm)
            if list(module.children()):
                assert not list(module.parameters(recurse=False))


def test_reduction_and_invalid_options():
    gtdm = make_gtdm(channels=64, reduction=16)
    assert gtdm.mid_channels == 4
    assert make_gtdm(channels=4, reduction=16).mid_channels == 1
    with pytest.raises(ValueError):
        make_gtdm(aggregation='max')
    with pytest.raises(ValueError):
        make_gtdm(attention='spatial')
    with pytest.raises(ValueError):
        make_gtdm(enhancement='add')
    with pytest.raises(ValueError):
        make_gtdm(reduction=0)
