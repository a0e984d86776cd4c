"""Short-term temporal difference module (S-TDM) of TDN."""
from typing import Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule

from .compiling import is_compiling
from .memory_format import to_contiguous
from .pool2 import pool2_sum


def release_fusion_weights(num_segments: int) -> Tuple[float, float]:
    """The release's fixed S-TDM fusion weights: (0.5, 0.5) at T = 8, else
    (0.75, 0.25), which the 16-segment checkpoints were trained with."""
    return (0.5, 0.5) if num_segments == 8 else (0.75, 0.25)


def pooled_difference_kernel(frames: int) -> torch.Tensor:
    """The kernel of a 2x2/2 conv that maps a segment's ``frames`` frames
    (3 * F channels) to the 2x2 average pooling of their F - 1 consecutive
    differences (3 * (F - 1) channels, difference k = frame k+1 - frame k)."""
    kernel = torch.zeros(frames - 1, 3, frames, 3, 2, 2)
    for k in range(frames - 1):
        for c in range(3):
            kernel[k, c, k + 1, c] = 0.25
            kernel[k, c, k, c] = -0.25
    return kernel.view(3 * (frames - 1), 3 * frames, 2, 2)


class ShortTermTDM(nn.Module):
    """Short-term TDM: appearance enriched with the motion of a segment's
    consecutive frames, at the stem and after res2.

    From `TDN: Temporal Difference Networks for Efficient Action Recognition
    <https://arxiv.org/abs/2012.10071>`_, as released: the ``F - 1``
    differences of a segment's consecutive frames, stacked on channels,
    go through a half-resolution stem (avgpool 2 -> conv 7x7/2 -> BN -> ReLU
    -> maxpool 3x3/2) and a second copy of res2. Each output is fused into the
    appearance path with fixed weights, ``x = a * x + b * up(motion)``
    (:meth:`fuse`, ``up`` the nearest upsampling to x's size).

    Its inference form (:meth:`fused_for_inference`) is
    :class:`FusedShortTermTDM`.

    Args:
        res_layer (nn.Module): The motion path's res2 (a copy of the
            backbone's layer1 architecture, its own weights).
        frames_per_segment (int): Consecutive frames F per segment.
            Defaults to 5.
        fusion_weights (Sequence[float]): ``(a, b)``. Defaults to (0.5, 0.5).
        stem_channels (int): Stem width. Defaults to 64.
        conv_cfg (dict): The stem's conv config (injected by the backbone).
            Defaults to ``dict(type='Conv')``.
        norm_cfg (dict): The stem's norm config (injected by the backbone).
            Defaults to ``dict(type='BN2d', requires_grad=True)``.
        act_cfg (dict): The stem's activation config (injected by the
            backbone). Defaults to ``dict(type='ReLU', inplace=True)``.
    """

    def __init__(self,
                 res_layer: nn.Module,
                 frames_per_segment: int = 5,
                 fusion_weights: Sequence[float] = (0.5, 0.5),
                 stem_channels: int = 64,
                 conv_cfg: dict = dict(type='Conv'),
                 norm_cfg: dict = dict(type='BN2d', requires_grad=True),
                 act_cfg: dict = dict(type='ReLU', inplace=True)) -> None:
        super().__init__()
        if frames_per_segment < 2:
            raise ValueError('ShortTermTDM needs frames_per_segment >= 2, '
                             f'got {frames_per_segment}')
        self.frames_per_segment = frames_per_segment
        self.fusion_weights = tuple(float(w) for w in fusion_weights)
        self.stem = ConvModule(
            3 * (frames_per_segment - 1),
            stem_channels,
            kernel_size=7,
            stride=2,
            padding=3,
            bias=False,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)
        self.res_layer = res_layer

    def forward(self, segments: torch.Tensor) -> tuple:
        """Motion features of each segment.

        Args:
            segments (torch.Tensor): (N*T, F, 3, H, W) normalised frames.

        Returns:
            tuple[torch.Tensor]: The stem's (N*T, 64, H/8, W/8) and res2's
            (N*T, 256, H/8, W/8) motion features.
        """
        # the motion path runs channels-last from the differences on
        # (oneDNN's convs and max-pool are several times faster so on CPU);
        # outputs come back as NCHW, their gradients go back channels-last
        if torch.onnx.is_in_onnx_export():
            diff = self.pooled_differences_as_graph(segments)
        else:
            diff = pooled_differences(segments)
        stem = F.max_pool2d(self.stem(diff), 3, stride=2, padding=1)
        res2 = self.res_layer(stem)
        return to_contiguous(stem), to_contiguous(res2)

    @staticmethod
    def pooled_differences_as_graph(segments: torch.Tensor) -> torch.Tensor:
        """:func:`pooled_differences` in the exported graph's form: each
        frame 2x2-average-pooled, then the differences
        (``pool(f[k+1] - f[k]) == pool(f[k+1]) - pool(f[k])``, taken at a
        quarter of the pixels), channels-last."""
        frames = F.avg_pool2d(segments.flatten(0, 1), 2)
        frames = frames.view(segments.shape[:3] + frames.shape[-2:])
        diff = frames[:, 1:] - frames[:, :-1]  # (N*T, F-1, 3, H/2, W/2)
        diff = diff.flatten(1, 2)  # 3*(F-1) channels
        return diff.contiguous(memory_format=torch.channels_last)

    def fuse(self, x: torch.Tensor, motion: torch.Tensor) -> torch.Tensor:
        """``a * x + b * up(motion)``, nearest upsampling to x's size
        (:func:`fuse_motion`)."""
        return fuse_motion(x, motion, self.fusion_weights)

    def fused_for_inference(self, capability: str) -> nn.Module:
        """This module's inference form (:mod:`.fuse`).

        Args:
            capability (str): The CPU capability: the pooled differences
                are one strided conv with AVX-512 and strided sums with
                anything else (measured: AVX-512 6.5 against 7.8 ms,
                AVX2 14.2 against 8.4 ms for T = 8, F = 5 at 224 px on 2
                threads; CHANGELOG).

        Returns:
            nn.Module: A :class:`FusedShortTermTDM` sharing the stem and
            res2.
        """
        return FusedShortTermTDM(self, strided_conv=capability == 'AVX512')


class FusedShortTermTDM(nn.Module):
    """:class:`ShortTermTDM`'s function for inference, built once from it:
    the pooled differences are computed in one pass over the frames, as
    one strided conv with a fixed kernel over each segment's frames
    (:func:`pooled_difference_kernel`) or as the differences of the frames'
    2x2 sums (:func:`pooled_differences`), whichever is faster on the CPU
    (:meth:`ShortTermTDM.fused_for_inference`). The stem and res2 are the
    plain module's (:func:`.fuse.fuse_for_inference` folds their BNs);
    their channels-last features go to the fusion (:func:`fuse_motion`) as
    they are, which blends them into the appearance features in place.

    Args:
        plain (ShortTermTDM): The module to take the weights from.
        strided_conv (bool): Pool the differences with the strided conv
            (else with strided sums). Defaults to True.
    """

    def __init__(self, plain: ShortTermTDM,
                 strided_conv: bool = True) -> None:
        super().__init__()
        self.frames_per_segment = plain.frames_per_segment
        self.fusion_weights = plain.fusion_weights
        self.stem = plain.stem
        self.res_layer = plain.res_layer
        kernel = None
        if strided_conv:
            weight = plain.stem.conv.weight
            kernel = pooled_difference_kernel(plain.frames_per_segment).to(
                weight.device, weight.dtype)
        self.register_buffer('difference_kernel', kernel)

    def forward(self, segments: torch.Tensor) -> tuple:
        """:meth:`ShortTermTDM.forward`."""
        if self.difference_kernel is None:
            diff = pooled_differences(segments)
        else:
            diff = F.conv2d(segments.flatten(1, 2), self.difference_kernel,
                            stride=2)
            diff = diff.contiguous(memory_format=torch.channels_last)
        stem = F.max_pool2d(self.stem(diff), 3, stride=2, padding=1)
        return stem, self.res_layer(stem)  # channels-last, read by fuse

    def fuse(self, x: torch.Tensor, motion: torch.Tensor) -> torch.Tensor:
        """:meth:`ShortTermTDM.fuse`, into ``x`` in place."""
        return fuse_motion(x, motion, self.fusion_weights, inplace=True)


def pooled_differences(segments: torch.Tensor) -> torch.Tensor:
    """The 2x2 average pooling (floor) of the differences of each segment's
    consecutive frames, ``pool(f[k+1]) - pool(f[k])``: the frames' 2x2 sums
    as four strided views (:func:`.pool2_sum`), their differences written
    channels-last, then the 1/4.

    Args:
        segments (torch.Tensor): (N*T, F, 3, H, W) frames.

    Returns:
        torch.Tensor: (N*T, 3*(F-1), H/2, W/2) differences, channels-last.
    """
    channels = segments.shape[2]
    sums = pool2_sum(segments.flatten(1, 2))
    n, c, h, w = sums.shape
    if sums.requires_grad or is_compiling():  # no out= form: autograd's
        # record and TorchDynamo take the differences, then the layout
        diff = sums[:, channels:] - sums[:, :-channels]
        return diff.contiguous(memory_format=torch.channels_last) * 0.25
    diff = sums.new_empty(n, h, w, c - channels).permute(0, 3, 1, 2)
    torch.sub(sums[:, channels:], sums[:, :-channels], out=diff)
    return diff.mul_(0.25)


def fuse_motion(x: torch.Tensor,
                motion: torch.Tensor,
                weights: Sequence[float],
                inplace: bool = False) -> torch.Tensor:
    """``a * x + b * up(motion)``, ``up`` the nearest upsampling to x's
    size.

    With ``a + b = 1`` and an exact x2 upsampling (the release's maps), it
    is ``lerp(up(motion), x, a)`` in one pass over x, ``up`` repeated along
    W (one copy of ``motion``, in any memory layout, to NCHW) and broadcast
    along H, never materialised at x's size (a whole row in the inner loop
    vectorises; a broadcast along W would leave an inner loop of 2);
    autograd records it as it does the formula. An ONNX export takes the
    formula (the graph's form): a graph must not depend on the map size it
    was traced at.

    Args:
        x (torch.Tensor): (N, C, H, W) appearance features.
        motion (torch.Tensor): (N, C, h, w) motion features.
        weights (Sequence[float]): ``(a, b)``.
        inplace (bool): Write the result into ``x`` where the one-pass form
            applies (inference only). Defaults to False.

    Returns:
        torch.Tensor: The fused (N, C, H, W) features.
    """
    a, b = weights
    n, c, h, w = motion.shape
    if a + b == 1 and x.shape[-2:] == (2 * h, 2 * w) and \
            x.is_contiguous() and not torch.onnx.is_in_onnx_export():
        up = motion[..., None].expand(n, c, h, w, 2)
        x = x.view(n, c, h, 2, 2 * w)
        out = torch.lerp(up.reshape(n, c, h, 1, 2 * w), x, a,
                         out=x if inplace else None)
        return out.view(n, c, 2 * h, 2 * w)
    return a * x + b * F.interpolate(motion, size=x.shape[-2:])
