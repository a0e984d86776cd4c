"""Parameters and MACs of a recognizer, one view, with mmengine's counter."""
from typing import Optional, Tuple

import torch
import torch.nn as nn


def frames_per_view(model: nn.Module, cfg=None, default: int = 1) -> int:
    """Frames in one view: from the backbone (T x F), else (e.g. TSN's
    plain ResNet) from the sampler of the config's test pipeline, else
    ``default``."""
    backbone = model.backbone
    if hasattr(backbone, 'num_segments'):
        return backbone.num_segments * getattr(backbone,
                                               'frames_per_segment', 1)
    if cfg is not None:
        from .checks import _frames_per_view, _pipelines
        for split, pipeline in _pipelines(cfg):
            for transform in pipeline:
                got = _frames_per_view(transform)
                if got is not None and split == 'test':
                    return got[0] * got[1]
    return default


class _OneView(nn.Module):
    """Backbone + head on a (frames, 3, H, W) view: what the counter sees."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        x, kwargs = self.model.extract_feat(frames[None], stage='head')
        return x


def model_complexity(model: nn.Module,
                     shape: Tuple[int, int] = (224, 224),
                     cfg: Optional[object] = None) -> dict:
    """``{'params', 'gmacs', 'frames'}`` of one view of ``shape``.

    mmengine's counter reports MACs as "flops" and counts BN and pooling
    too, so it reads about 0.5% above conv+linear-only figures; compare
    models with the same counter.
    """
    from mmengine.analysis import get_model_complexity_info
    frames = frames_per_view(model, cfg)
    model = model.eval()
    with torch.no_grad():
        info = get_model_complexity_info(
            _OneView(model),
            inputs=(torch.zeros(frames, 3, *shape), ),
            show_table=False,
            show_arch=False)
    return dict(
        params=sum(p.numel() for p in model.parameters()),
        gmacs=info['flops'] / 1e9,
        frames=frames)
