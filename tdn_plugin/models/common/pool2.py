"""The 2x2 average pooling of the TDMs (floor rounding), as released and as
sums of strided views."""
import torch
import torch.nn.functional as F


def pool2_sum(d: torch.Tensor) -> torch.Tensor:
    """Four times :func:`pool2` (the sums of the 2x2 windows), as four
    strided views of ``d``: in any memory layout, faster than
    ``F.avg_pool2d`` on few-channel maps."""
    h, w = d.shape[-2:]
    if h < 2 or w < 2:
        return pool2(d) * 4
    h, w = h // 2 * 2, w // 2 * 2  # floor
    return ((d[..., 0:h:2, 0:w:2] + d[..., 1:h:2, 0:w:2]) +
            (d[..., 0:h:2, 1:w:2] + d[..., 1:h:2, 1:w:2]))


def pool2(d: torch.Tensor) -> torch.Tensor:
    """The release's 2x2 average pooling, floor rounding; a 1-pixel side,
    which the release cannot pool, is pooled to itself: replicated to 2
    pixels first (an exported pooling window larger than its map is not a
    valid graph for OpenVINO)."""
    pad = [0, int(d.shape[-1] < 2), 0, int(d.shape[-2] < 2)]  # traceable
    if any(pad):
        d = F.pad(d, pad, mode='replicate')
    return F.avg_pool2d(d, 2)
