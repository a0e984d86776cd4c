"""Parameters and MACs of a recognizer, one view, with mmengine's counter."""
from typing import Tuple

import torch
import torch.nn as nn


def frames_per_view(model: nn.Module) -> int:
    backbone = model.backbone
    return (getattr(backbone, 'num_segments', 1) *
            getattr(backbone, 'frames_per_segment', 1))


class _OneView(nn.Module):
    """Backbone + head on a (frames, 3, H, W) view: what the counter sees."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        x, kwargs = self.model.extract_feat(frames[None], stage='head')
        return x


def model_complexity(model: nn.Module,
                     shape: Tuple[int, int] = (224, 224)) -> dict:
    """``{'params', 'gmacs', 'frames'}`` of one view of ``shape``.

    mmengine's counter reports MACs as "flops" and counts BN and pooling
    too, so it reads about 0.5% above conv+linear-only figures; compare
    models with the same counter.
    """
    from mmengine.analysis import get_model_complexity_info
    frames = frames_per_view(model)
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
