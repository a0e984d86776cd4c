"""Parameters and MACs of a recognizer, one view, with mmengine's counter."""
from typing import Optional, Tuple

import torch
import torch.nn as nn


def frames_per_view(model: nn.Module, cfg=None, default: int = 1) -> int:
    """Frames in one view (T x F).

    From the backbone's ``frames_per_view`` (ResNetTDN, ResNetGTD), else its
    ``num_segments`` x ``frames_per_segment`` (MMAction2's ResNetTSM, TANet),
    else (e.g. TSN's or TRN's plain ResNet) from the frame sampler of the
    config's test pipeline (:func:`~tdn_plugin.utils.checks.
    config_frames_per_view`), else ``default``.

    Args:
        model (nn.Module): A recognizer.
        cfg (Config, optional): Its config. Defaults to None.
        default (int): When nothing says. Defaults to 1.

    Returns:
        int: The frames per view.
    """
    backbone = model.backbone
    frames = getattr(backbone, 'frames_per_view', None)
    if isinstance(frames, int):
        return frames
    if isinstance(getattr(backbone, 'num_segments', None), int):
        return backbone.num_segments * getattr(backbone,
                                               'frames_per_segment', 1)
    if cfg is not None:
        from .checks import config_frames_per_view
        frames = config_frames_per_view(cfg)
        if frames is not None:
            return frames
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
                inputs=(torch.zeros(frames, 3, *shape, device=device), ),
                show_table=False,
                show_arch=False)
    finally:
        logger.setLevel(level)
    return dict(
        params=sum(p.numel() for p in model.parameters()),
        gmacs=info['flops'] / 1e9,
        frames=frames)
