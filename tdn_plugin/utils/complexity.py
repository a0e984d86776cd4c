"""Parameters and MACs of a recognizer, one view, with mmengine's counter."""
from typing import Optional, Tuple

import torch
import torch.nn as nn

from .views import frames_per_view


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
                     cfg: Optional[object] = None,
                     view: Optional[torch.Tensor] = None) -> dict:
    """``{'params', 'gmacs', 'frames'}`` of one view of ``shape``, or of
    ``view``: one view as the recognizer takes it without the batch
    dimension, ``(frames, C, H, W)`` (2D) or ``(1, C, T, H, W)`` (3D).

    mmengine's counter reports MACs as "flops" and counts BN and pooling
    too, so it reads about 0.5% above conv+linear-only figures; compare
    models with the same counter.
    """
    from mmengine.analysis import get_model_complexity_info
    frames = frames_per_view(model, cfg)
    from mmengine.logging import MMLogger
    model = model.eval()
    device = next(model.parameters()).device
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel('ERROR')  # one "unsupported operator" line per op type
    try:
        with torch.no_grad():
            info = get_model_complexity_info(
                _OneView(model),
                inputs=(torch.zeros(frames, 3, *shape, device=device)
                        if view is None else view, ),
                show_table=False,
                show_arch=False)
    finally:
        logger.setLevel(level)
    return dict(
        params=sum(p.numel() for p in model.parameters()),
        gmacs=info['flops'] / 1e9,
        frames=frames)
