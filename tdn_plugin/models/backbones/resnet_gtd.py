"""GTDNet backbone: ResNet with global temporal difference modules."""
from collections import OrderedDict
from typing import Optional, Sequence

import torch
import torch.nn as nn
from mmaction.registry import MODELS

from ..common.gtdm import GlobalTemporalDifferenceModule
from ..common.temporal_conv_shift import TemporalConvShift
from .temporal_resnet import TemporalResNet


@MODELS.register_module()
class ResNetGTD(TemporalResNet):
    """Global Temporal Difference Network (GTDNet) backbone.

    `Global Temporal Difference Network for Action Recognition` (IEEE
    journal; abstract only, no public code), as designed in this plugin
    (``docs/gtdnet.md``): every block of ``gtdm_stages`` gets, after its first
    conv (at the bottleneck width C),

    * a global temporal difference module
      (:class:`~tdn_plugin.models.common.gtdm.GlobalTemporalDifferenceModule`):
      the clip's per-segment features are aggregated into one global vector,
      each segment's difference to it goes through a channel-wise
      self-attention and then enhances that segment's features;
    * then, optionally, a learnable temporal shift
      (:class:`~tdn_plugin.models.common.TemporalConvShift`, initialised as
      TSM's shift) for the *local* variation between neighbouring segments,
      which the global module does not see.

    Input: the (N*T, 3, H, W) frames that ``Recognizer2D`` hands a 2D backbone
    (one frame per segment, ``SampleFrames(clip_len=1, num_clips=T)``),
    segment-major within each view. Output: (N*T, C, H/32, W/32), one feature
    map per segment, for MMAction2's ``TSMHead(num_segments=T)``.

    At initialisation every GTDM is the identity, so with
    ``with_temporal_conv=False`` the backbone computes exactly the plain
    ResNet's function of the same weights (with it, the plain ResNet with
    TSM's shift after each res3-res5 block's first conv).

    Args:
        depth (int): ResNet depth, 18, 34, 50 or 101.
        num_segments (int): Segments T per clip. Defaults to 8.
        pretrained (str, optional): A torchvision-format ImageNet ResNet
            (a local file, or ``torchvision://resnet50`` where the network
            allows); the GTDMs and temporal convs keep their own
            initialisation. Defaults to None.
        gtdm_stages (Sequence[int]): Stages (0-based, 1 = res3) whose blocks
            get the GTDM and the temporal conv. Defaults to (1, 2, 3).
        reduction (int): GTDM channel reduction r. Defaults to 8.
        aggregation (str): Global aggregation, ``'mean'`` or
            ``'attention'`` (channel-wise attentive pooling, starting as the
            mean). Defaults to ``'attention'``.
        attention (str): Self-attention over the difference sequence,
            ``'channel'`` (C' x C' affinity across channels), ``'temporal'``
            (a T x T map per channel) or ``'none'``. Defaults to
            ``'channel'``.
        enhancement (str): ``'gate'`` (per-segment channel gate
            ``x * (1 + tanh(W d))``) or ``'map'`` (per-pixel residual from
            the difference maps). Defaults to ``'gate'``.
        with_gtdm (bool): Use the GTDM (False with ``with_temporal_conv``
            gives a learnable-shift TSM, for ablations). Defaults to True.
        with_temporal_conv (bool): Add the learnable temporal shift after the
            GTDM. Defaults to True.
        shift_div (int): Temporal conv's shift fraction ``1 / shift_div``.
            Defaults to 8.
        **kwargs: Arguments of :class:`mmaction.models.ResNet`
            (``norm_eval``, ``frozen_stages``, ``partial_bn``, ``with_cp``,
            ``torchvision_pretrain``...).
    """

    def __init__(self,
                 depth: int,
                 num_segments: int = 8,
                 pretrained: Optional[str] = None,
                 gtdm_stages: Sequence[int] = (1, 2, 3),
                 reduction: int = 8,
                 aggregation: str = 'attention',
                 attention: str = 'channel',
                 enhancement: str = 'gate',
                 with_gtdm: bool = True,
                 with_temporal_conv: bool = True,
                 shift_div: int = 8,
                 **kwargs) -> None:
        super().__init__(
            depth,
            num_segments=num_segments,
            temporal_stages=gtdm_stages,
            pretrained=pretrained,
            **kwargs)
        self.reduction = reduction
        self.aggregation = aggregation
        self.attention = attention
        self.enhancement = enhancement
        self.with_gtdm = with_gtdm
        self.with_temporal_conv = with_temporal_conv
        self.shift_div = shift_div
        self.wrap_blocks()

    def make_temporal_module(self, channels: int,
                             stage: int) -> Optional[nn.Module]:
        parts = OrderedDict()
        if self.with_gtdm:
            parts['gtdm'] = GlobalTemporalDifferenceModule(
                channels,
                self.num_segments,
                reduction=self.reduction,
                aggregation=self.aggregation,
                attention=self.attention,
                enhancement=self.enhancement)
        if self.with_temporal_conv:
            parts['temporal_conv'] = TemporalConvShift(
                channels, self.num_segments, shift_div=self.shift_div)
        return nn.Sequential(parts) if parts else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N*T, 3, H, W) frames -> (N*T, C, H/32, W/32) features."""
        if x.dim() != 4 or x.shape[0] % self.num_segments:
            raise ValueError(
                f'ResNetGTD(num_segments={self.num_segments}) needs an input '
                f'of (N*{self.num_segments}, 3, H, W), one frame per '
                f'segment; got {tuple(x.shape)}')
        return super().forward(x)
