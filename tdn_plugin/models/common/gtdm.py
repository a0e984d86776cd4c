"""Global temporal difference module (GTDM) of GTDNet.

`Global Temporal Difference Network for Action Recognition` (IEEE journal;
only the abstract is public) contrasts the *local* variation between
neighbouring frames, which most temporal modules learn, with the *global*
variation of each moment against the whole clip. Its GTDM has two parts, a
global aggregation module (the clip's feature sequence -> one global vector)
and a global difference module (difference vectors ``global - local``, their
sequential dependency modelled by a channel-wise self-attention, then used to
enhance the local features). Everything beyond that is this plugin's design,
documented in ``docs/gtdnet.md``.

Shapes: N clips, T segments, C channels of the host block, C' = C / r after
the channel reduction, (h, w) the feature map. Values handed between the
parts are laid out ``(N, C', T, P)``: ``P = 1`` for vectors, ``P = h * w`` for
maps, so one attention serves both.
"""
from typing import Optional

import torch
import torch.nn as nn
from mmcv.cnn import build_norm_layer

from .temporal_block import TemporalModule

AGGREGATIONS = ('mean', 'attention')
ATTENTIONS = ('channel', 'temporal', 'none')
ENHANCEMENTS = ('gate', 'map')


def _check_choice(name: str, value: str, choices: tuple) -> None:
    if value not in choices:
        raise ValueError(f'{name} must be one of {choices}, got {value!r}')


class GlobalAggregation(nn.Module):
    """Global aggregation module: the T local vectors of a clip -> one global
    vector, per channel a convex combination over time.

    * ``'mean'``: ``g = (1 / T) * sum_t l_t``, no parameters.
    * ``'attention'``: channel-wise attentive pooling,
      ``a = softmax_t(W l_t + b)`` (one weight per segment *and* channel,
      ``W`` a C' x C' linear map), ``g = sum_t a_t * l_t``. Initialised to
      ``W = 0, b = 0``: uniform weights, i.e. ``'mean'``, learned from there.

    Either way the weights sum to 1 over time, so a clip whose segments are
    all alike has ``g = l_t`` and no difference at all.

    Args:
        channels (int): Channels C' of the local vectors.
        mode (str): ``'mean'`` or ``'attention'``. Defaults to
            ``'attention'``.
    """

    def __init__(self, channels: int, mode: str = 'attention') -> None:
        super().__init__()
        _check_choice('aggregation', mode, AGGREGATIONS)
        self.mode = mode
        self.score = nn.Linear(channels, channels) if mode == 'attention' \
            else None

    def init_weights(self) -> None:
        """Zero scorer: the attentive pooling starts as the temporal mean."""
        if self.score is not None:
            nn.init.zeros_(self.score.weight)
            nn.init.zeros_(self.score.bias)

    def weights(self, local: torch.Tensor) -> torch.Tensor:
        """(N, T, C') local vectors -> (N, T, C') weights summing to 1 over
        T."""
        if self.score is None:
            return torch.full_like(local, 1.0 / local.shape[1])
        return self.score(local).softmax(dim=1)

    def forward(self,
                local: torch.Tensor,
                values: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Aggregate ``values`` (N, C', T, P) over T with the weights from
        ``local`` (N, T, C'); ``values`` defaults to the local vectors.
        Returns (N, C', 1, P)."""
        weights = self.weights(local).transpose(1, 2).unsqueeze(-1)
        if values is None:
            values = local.transpose(1, 2).unsqueeze(-1)  # (N, C', T, 1)
        return (weights * values).sum(dim=2, keepdim=True)


class GlobalDifferenceAttention(nn.Module):
    """Channel-wise self-attention over a clip's difference sequence.

    The sequence ``D`` (T x C', ``d_t = g - l_t``) is projected to queries
    and keys ``Q = D W_q^T``, ``K = D W_k^T`` (C' x C' linear maps, no bias),
    which give an affinity that then mixes the values ``V`` (the difference
    vectors, or the difference maps); the output is ``V + mix(V)``:

    * ``'channel'``: attention *across channels*, each channel's T-long
      difference profile a token: ``A = softmax_j(Q^T K / sqrt(T))``
      (C' x C'), ``mix(V)[i, t] = sum_j A[i, j] V[j, t]``. A channel is
      completed by the channels that vary over the clip the way it does, and
      the affinity is computed from the whole sequence, so every timestamp's
      difference shapes it.
    * ``'temporal'``: attention *over time*, one T x T map per channel,
      ``a_c(t, s) = softmax_s(Q[t, c] K[s, c])``,
      ``mix(V)[c, t] = sum_s a_c(t, s) V[c, s]``.
    * ``'none'``: no attention, ``V`` as it is (ablation).

    ``W_q`` and ``W_k`` start as the identity, so ``'channel'`` starts as the
    parameter-free channel affinity ``softmax(D^T D / sqrt(T))``.

    Args:
        channels (int): Channels C' of the difference vectors.
        mode (str): ``'channel'``, ``'temporal'`` or ``'none'``. Defaults to
            ``'channel'``.
    """

    def __init__(self, channels: int, mode: str = 'channel') -> None:
        super().__init__()
        _check_choice('attention', mode, ATTENTIONS)
        self.mode = mode
        if mode == 'none':
            self.query = self.key = None
        else:
            self.query = nn.Linear(channels, channels, bias=False)
            self.key = nn.Linear(channels, channels, bias=False)

    def init_weights(self) -> None:
        """Identity query and key projections."""
        for m in (self.query, self.key):
            if m is not None:
                nn.init.eye_(m.weight)

    def affinity(self, differences: torch.Tensor) -> Optional[torch.Tensor]:
        """(N, T, C') differences -> (N, C', C') for ``'channel'``,
        (N, C', T, T) for ``'temporal'``, None for ``'none'``."""
        if self.mode == 'none':
            return None
        q = self.query(differences).transpose(1, 2)  # (N, C', T)
        k = self.key(differences).transpose(1, 2)  # (N, C', T)
        if self.mode == 'channel':
            # a Python number: traced as a constant (T is fixed), where a
            # shape tensor's power would be an integer Pow in ONNX (0)
            scale = float(differences.shape[1])**-0.5
            return torch.matmul(q, k.transpose(1, 2)).mul(scale).softmax(-1)
        # one scalar query and key per (channel, time)
        return torch.matmul(q.unsqueeze(-1), k.unsqueeze(-2)).softmax(-1)

    @staticmethod
    def mix(affinity: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
        """Apply an affinity to values (N, C', T, P); same shape back."""
        n, c, t, p = values.shape
        if affinity.dim() == 3:  # channel: (N, C', C') @ (N, C', T * P)
            return torch.matmul(affinity, values.reshape(n, c, t * p)).view(
                n, c, t, p)
        return torch.matmul(affinity, values)  # (N, C', T, T) @ (N, C', T, P)

    def forward(self,
                differences: torch.Tensor,
                values: Optional[torch.Tensor] = None) -> torch.Tensor:
        """``values + mix(values)`` with the affinity of ``differences``
        (N, T, C'); ``values`` (N, C', T, P) defaults to the differences.
        Returns (N, C', T, P)."""
        if values is None:
            values = differences.transpose(1, 2).unsqueeze(-1)
        affinity = self.affinity(differences)
        if affinity is None:
            return values
        return values + self.mix(affinity, values)


class GlobalTemporalDifferenceModule(TemporalModule):
    """GTDM: each segment's feature enhanced by how it differs from the
    clip's global feature.

    Applied inside a ResNet block at its bottleneck width C, on
    (N*T, C, h, w)::

        b_t = BN(conv1x1(x_t))                     C -> C' = C / r, per pixel
        l_t = GAP(b_t)                             local vectors (N, T, C')
        g   = sum_t a_t * l_t                      GlobalAggregation
        d_t = g - l_t                              difference vectors
        e   = GlobalDifferenceAttention(d)         channel-wise self-attention
        'gate': out_t = x_t * (1 + tanh(W_e e_t))  per-segment channel gate
        'map':  out_t = x_t + conv1x1(E_t)         per-pixel residual, where
                E = attention(d) applied to the difference maps
                D_t(p) = G(p) - b_t(p), G(p) = sum_t a_t * b_t(p)

    ``GAP(D_t) = d_t``: the map variant is the pixel-level version of the
    vector one, with the same aggregation weights and affinity. A clip whose
    segments are alike has ``d = 0`` and passes unchanged.

    Initialisation (:meth:`init_weights`): reduction conv PyTorch's default,
    its norm's own reset (BN: weight 1 / bias 0), aggregation scorer zero
    (temporal mean), attention projections identity, and the last
    projection ``W_e`` (a linear map for ``'gate'``, a 1x1 conv for
    ``'map'``, both without bias) **zero**, so the module is the identity at
    initialisation and an ImageNet backbone computes its ImageNet features.
    ``W_e`` receives gradient from the first step; the parameters before it
    from the second on (nothing else is zero, so no gradient path is
    blocked).

    Args:
        channels (int): Channels C of the block's features.
        num_segments (int): Segments T per clip.
        reduction (int): Channel reduction r; ``C' = max(C // r, 1)``.
            Defaults to 8.
        aggregation (str): :class:`GlobalAggregation` mode, ``'mean'`` or
            ``'attention'``. Defaults to ``'attention'``.
        attention (str): :class:`GlobalDifferenceAttention` mode,
            ``'channel'``, ``'temporal'`` or ``'none'``. Defaults to
            ``'channel'``.
        enhancement (str): How the differences enhance the local features,
            ``'gate'`` (per-segment channel gate from the difference vectors)
            or ``'map'`` (per-pixel residual from the difference maps).
            Defaults to ``'gate'``.
        norm_cfg (dict): Config of the norm after the channel reduction
            (injected by the backbone from its own ``norm_cfg``). Defaults to
            ``dict(type='BN2d', requires_grad=True)``.
    """

    def __init__(self,
                 channels: int,
                 num_segments: int,
                 reduction: int = 8,
                 aggregation: str = 'attention',
                 attention: str = 'channel',
                 enhancement: str = 'gate',
                 norm_cfg: dict = dict(type='BN2d',
                                       requires_grad=True)) -> None:
        super().__init__()
        _check_choice('enhancement', enhancement, ENHANCEMENTS)
        if reduction < 1:
            raise ValueError(f'reduction must be >= 1, got {reduction}')
        self.channels = channels
        self.num_segments = num_segments
        self.enhancement = enhancement
        mid = max(channels // reduction, 1)
        self.mid_channels = mid
        self.reduce = nn.Conv2d(channels, mid, 1, bias=False)
        self.reduce_bn = build_norm_layer(norm_cfg, mid)[1]
        self.aggregation = GlobalAggregation(mid, aggregation)
        self.attention = GlobalDifferenceAttention(mid, attention)
        if enhancement == 'gate':
            self.expand = nn.Linear(mid, channels, bias=False)
        else:
            self.expand = nn.Conv2d(mid, channels, 1, bias=False)

    def init_weights(self) -> None:
        """See the class docstring: identity at initialisation."""
        self.reduce.reset_parameters()
        self.reduce_bn.reset_parameters()
        self.aggregation.init_weights()
        self.attention.init_weights()
        nn.init.zeros_(self.expand.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nt, c, h, w = x.shape
        t = self.num_segments
        b = self.reduce_bn(self.reduce(x))  # (N*T, C', h, w)
        b = b.view(-1, t, self.mid_channels, h * w)  # (N, T, C', hw)
        local = b.mean(-1)  # (N, T, C')
        differences = (self.aggregation(local) -
                       local.transpose(1, 2).unsqueeze(-1))  # (N, C', T, 1)
        differences = differences.squeeze(-1).transpose(1, 2)  # (N, T, C')
        if self.enhancement == 'gate':
            e = self.attention(differences)  # (N, C', T, 1)
            e = self.expand(e.squeeze(-1).transpose(1, 2))  # (N, T, C)
            return x * (1 + torch.tanh(e.reshape(nt, c, 1, 1)))
        maps = b.transpose(1, 2)  # (N, C', T, hw)
        maps = self.aggregation(local, maps) - maps  # D_t(p) = G(p) - b_t(p)
        e = self.attention(differences, maps)  # (N, C', T, hw)
        e = e.transpose(1, 2).reshape(nt, self.mid_channels, h, w)
        return x + self.expand(e)
