"""TDN backbone: ResNet with short-term and long-term temporal differences."""
from collections import OrderedDict
from typing import Iterator, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmaction.models.backbones.resnet import make_res_layer
from mmaction.registry import MODELS
from mmcv.cnn import ConvModule

from ..common import LongTermTDM, ShortTermTDM, TemporalConvShift
from .temporal_resnet import TemporalResNet, torchvision_conv_bn_names


def release_fusion_weights(num_segments: int) -> Tuple[float, float]:
    """The release's fixed S-TDM fusion weights: (0.5, 0.5) at T = 8, else
    (0.75, 0.25), which the 16-segment checkpoints were trained with."""
    return (0.5, 0.5) if num_segments == 8 else (0.75, 0.25)


@MODELS.register_module()
class ResNetTDN(TemporalResNet):
    """Temporal Difference Network (TDN) backbone.

    `TDN: Temporal Difference Networks for Efficient Action Recognition
    <https://arxiv.org/abs/2012.10071>`_ (Wang, Tong, Ji, Wu, CVPR 2021),
    computing the same function as the authors' release (MCG-NJU/TDN):

    * the short-term TDM (:class:`ShortTermTDM`) adds the motion of each
      segment's F consecutive frames to the appearance of its centre frame,
      at the stem and after res2;
    * every block of ``ltdm_stages`` gets a long-term TDM
      (:class:`LongTermTDM`) and then a learnable temporal shift
      (:class:`TemporalConvShift`) after its first conv.

    Input: the (N*T*F, 3, H, W) frames that ``Recognizer2D`` hands a 2D
    backbone, in ``FormatShape('NCHW')`` order (segment-major, then frame).
    Output: (N*T, C, H/32, W/32), one feature map per segment, for
    MMAction2's per-segment heads (``TSMHead``).

    Args:
        depth (int): 50 or 101 as released; 18 and 34 (basic blocks, the
            temporal modules after their first 3x3 conv) for small budgets.
        num_segments (int): Segments T per clip. Defaults to 8.
        frames_per_segment (int): Consecutive frames F per segment; the
            centre one, ``F // 2``, feeds the appearance path. Defaults to 5.
        pretrained (str, optional): torchvision-format ImageNet ResNet; the
            S-TDM stem takes its conv1 averaged over RGB and replicated to the
            3*(F-1) difference channels, the S-TDM res2 its res2.
            Defaults to None.
        fusion_weights (Sequence[float], optional): S-TDM fusion ``(a, b)``.
            Defaults to None, the release's rule
            (:func:`release_fusion_weights`).
        ltdm_reduction (int): L-TDM channel reduction. Defaults to 16.
        ltdm_stages (Sequence[int]): Stages (0-based, 1 = res3) with the
            L-TDM and the temporal conv. Defaults to (1, 2, 3).
        shift_div (int): Temporal conv's shift fraction ``1 / shift_div``.
            Defaults to 8.
        with_short_term_tdm (bool): Use the S-TDM. Defaults to True.
        with_long_term_tdm (bool): Use the L-TDM. Defaults to True.
        with_temporal_conv (bool): Use the temporal conv. Defaults to True.
        **kwargs: Arguments of :class:`mmaction.models.ResNet`
            (``norm_eval``, ``frozen_stages``, ``partial_bn``, ``with_cp``...).
    """

    def __init__(self,
                 depth: int,
                 num_segments: int = 8,
                 frames_per_segment: int = 5,
                 pretrained: Optional[str] = None,
                 fusion_weights: Optional[Sequence[float]] = None,
                 ltdm_reduction: int = 16,
                 ltdm_stages: Sequence[int] = (1, 2, 3),
                 shift_div: int = 8,
                 with_short_term_tdm: bool = True,
                 with_long_term_tdm: bool = True,
                 with_temporal_conv: bool = True,
                 **kwargs) -> None:
        super().__init__(
            depth,
            num_segments=num_segments,
            temporal_stages=ltdm_stages,
            pretrained=pretrained,
            **kwargs)
        if frames_per_segment < 1:
            raise ValueError('frames_per_segment must be >= 1, got '
                             f'{frames_per_segment}')
        self.frames_per_segment = frames_per_segment
        self.ltdm_reduction = ltdm_reduction
        self.shift_div = shift_div
        self.with_long_term_tdm = with_long_term_tdm
        self.with_temporal_conv = with_temporal_conv
        self.short_term_tdm = None
        if with_short_term_tdm:
            self.short_term_tdm = ShortTermTDM(
                self._make_motion_res_layer(),
                frames_per_segment=frames_per_segment,
                fusion_weights=fusion_weights
                or release_fusion_weights(num_segments),
                conv_cfg=self.conv_cfg,
                norm_cfg=self.norm_cfg,
                act_cfg=self.act_cfg)
        self.wrap_blocks()

    def _make_motion_res_layer(self) -> nn.Module:
        """A second res2 with layer1's architecture, for the motion path."""
        planes = 64
        return make_res_layer(
            self.block,
            64,
            planes,
            self.stage_blocks[0],
            stride=self.strides[0],
            dilation=self.dilations[0],
            style=self.style,
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg,
            with_cp=self.with_cp)

    def make_temporal_module(self, channels: int,
                             stage: int) -> Optional[nn.Module]:
        parts = OrderedDict()
        if self.with_long_term_tdm:
            parts['long_term_tdm'] = LongTermTDM(
                channels, self.num_segments, reduction=self.ltdm_reduction)
        if self.with_temporal_conv:
            parts['temporal_conv'] = TemporalConvShift(
                channels, self.num_segments, shift_div=self.shift_div)
        return nn.Sequential(parts) if parts else None

    @property
    def frames_per_clip(self) -> int:
        """Frames one view needs: T * F."""
        return self.num_segments * self.frames_per_segment

    # ImageNet initialisation ------------------------------------------------
    def torchvision_names(self) -> Iterator[Tuple[str, str, Optional[str]]]:
        yield from super().torchvision_names()
        if self.short_term_tdm is None:
            return
        # the stem's BN keeps its default init, as in the release
        yield 'short_term_tdm.stem', 'short_term_tdm.stem', None
        for name, module in self.short_term_tdm.res_layer.named_modules():
            if isinstance(module, ConvModule):
                yield (f'short_term_tdm.res_layer.{name}',
                       ) + torchvision_conv_bn_names(f'{self.res_layers[0]}.'
                                                     f'{name}')

    def adapt_torchvision_state_dict(self, state_dict: dict) -> dict:
        if self.short_term_tdm is not None:
            rgb = state_dict['conv1.weight']  # (64, 3, 7, 7)
            in_channels = self.short_term_tdm.stem.conv.in_channels
            state_dict['short_term_tdm.stem.weight'] = rgb.mean(
                1, keepdim=True).expand(-1, in_channels, -1, -1).contiguous()
        return state_dict

    def _freeze_stages(self) -> None:
        super()._freeze_stages()
        if self.short_term_tdm is None:
            return
        frozen = []
        if self.frozen_stages >= 0:
            frozen.append(self.short_term_tdm.stem)
        if self.frozen_stages >= 1:
            frozen.append(self.short_term_tdm.res_layer)
        for m in frozen:
            m.eval()
            for param in m.parameters():
                param.requires_grad = False

    # Forward ----------------------------------------------------------------
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N*T*F, 3, H, W) frames -> (N*T, C, H/32, W/32) features."""
        if x.dim() != 4 or x.shape[0] % self.frames_per_clip:
            raise ValueError(
                f'ResNetTDN(num_segments={self.num_segments}, '
                f'frames_per_segment={self.frames_per_segment}) needs '
                f'{self.frames_per_clip} frames per view, i.e. an input of '
                f'(N*{self.frames_per_clip}, 3, H, W); got '
                f'{tuple(x.shape)}')
        segments = x.view((-1, self.frames_per_segment) + x.shape[1:])
        centre = segments[:, self.frames_per_segment // 2]  # (N*T, 3, H, W)
        x = self.maxpool(self.conv1(centre))  # (N*T, 64, H/4, W/4)
        if self.short_term_tdm is not None:
            stem_motion, res2_motion = self.short_term_tdm(segments)
            x = self.short_term_tdm.fuse(x, stem_motion)
            x = self.short_term_tdm.fuse(self.layer1(x), res2_motion)
        else:
            x = self.layer1(x)
        for name in self.res_layers[1:]:
            x = getattr(self, name)(x)
        return x
