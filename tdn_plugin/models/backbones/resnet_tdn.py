"""TDN backbone: ResNet with short-term and long-term temporal differences."""
from collections import OrderedDict
from typing import Optional, Sequence

import torch.nn as nn
from mmaction.registry import MODELS

from ..common import LongTermTDM, TemporalConvShift, release_fusion_weights
from .temporal_resnet import TemporalResNet

__all__ = ['ResNetTDN', 'release_fusion_weights']


@MODELS.register_module()
class ResNetTDN(TemporalResNet):
    """Temporal Difference Network (TDN) backbone.

    `TDN: Temporal Difference Networks for Efficient Action Recognition
    <https://arxiv.org/abs/2012.10071>`_ (Wang, Tong, Ji, Wu, CVPR 2021),
    computing the same function as the authors' release (MCG-NJU/TDN):

    * the short-term TDM (:class:`~tdn_plugin.models.common.ShortTermTDM`)
      adds the motion of each segment's F consecutive frames to the
      appearance of its centre frame, at the stem and after res2
      (composed by :class:`TemporalResNet`);
    * every block of ``ltdm_stages`` gets a long-term TDM
      (:class:`~tdn_plugin.models.common.LongTermTDM`) and then a learnable
      temporal shift (:class:`~tdn_plugin.models.common.TemporalConvShift`)
      after its first conv.

    Norm and activation layers, temporal modules included, come from the
    backbone's ``norm_cfg`` / ``act_cfg`` / ``conv_cfg``.

    Input: the (N*T*F, 3, H, W) frames that ``Recognizer2D`` hands a 2D
    backbone, in ``FormatShape('NCHW')`` order (segment-major, then frame);
    ``frames_per_view = T * F`` frames per view. Output: (N*T, C, H/32, W/32),
    one feature map per segment, for MMAction2's per-segment heads
    (``TSMHead``).

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
            (:func:`~tdn_plugin.models.common.release_fusion_weights`).
        ltdm_reduction (int): L-TDM channel reduction. Defaults to 16.
        ltdm_stages (Sequence[int]): Stages (0-based, 1 = res3) with the
            L-TDM and the temporal conv. Defaults to (1, 2, 3).
        shift_div (int): Temporal conv's shift fraction ``1 / shift_div``.
            Defaults to 8.
        with_short_term_tdm (bool): Use the S-TDM. Defaults to True.
        with_long_term_tdm (bool): Use the L-TDM. Defaults to True.
        with_temporal_conv (bool): Use the temporal conv. Defaults to True.
        **kwargs: Arguments of :class:`mmaction.models.ResNet`
            (``norm_cfg``, ``norm_eval``,
            ``frozen_stages``, ``partial_bn``, ``with_cp``...).
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
        # read by make_temporal_module, which super().__init__() calls
        self.ltdm_reduction = ltdm_reduction
        self.shift_div = shift_div
        self.with_long_term_tdm = with_long_term_tdm
        self.with_temporal_conv = with_temporal_conv
        super().__init__(
            depth,
            num_segments=num_segments,
            temporal_stages=ltdm_stages,
            pretrained=pretrained,
            frames_per_segment=frames_per_segment,
            with_short_term_tdm=with_short_term_tdm,
            fusion_weights=fusion_weights,
            **kwargs)

    def make_temporal_module(self, channels: int,
                             stage: int) -> Optional[nn.Module]:
        """L-TDM then temporal conv, each where enabled."""
        parts = OrderedDict()
        if self.with_long_term_tdm:
            parts['long_term_tdm'] = LongTermTDM(
                channels,
                self.num_segments,
                reduction=self.ltdm_reduction,
                norm_cfg=self.norm_cfg)
        if self.with_temporal_conv:
            parts['temporal_conv'] = TemporalConvShift(
                channels, self.num_segments, shift_div=self.shift_div)
        return nn.Sequential(parts) if parts else None
