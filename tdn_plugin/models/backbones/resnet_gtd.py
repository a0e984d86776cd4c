"""GTDNet backbone: ResNet with global temporal difference modules."""
from collections import OrderedDict
from typing import Optional, Sequence

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

    By design GTDNet reads one frame per segment, so it cannot see motion
    *between consecutive frames* (faster than a segment). With
    ``with_short_term_tdm=True`` it reads F = 5 consecutive frames per
    segment, as TDN does (``TDNSampleFrames`` and ``TDNRecognizer``), and adds
    `TDN <https://arxiv.org/abs/2012.10071>`_'s short-term TDM at the stem
    and after res2 (composed by :class:`TemporalResNet`, exactly as in
    ``ResNetTDN``).

    Norm layers, the GTDMs' included, come from the backbone's ``norm_cfg``.

    Input: the (N*T*F, 3, H, W) frames that ``Recognizer2D`` hands a 2D
    backbone (F = 1 by default: ``SampleFrames(clip_len=1, num_clips=T)``),
    segment-major within each view; ``frames_per_view = T * F``. Output:
    (N*T, C, H/32, W/32), one feature map per segment, for MMAction2's
    ``TSMHead(num_segments=T)``.

    At initialisation every GTDM is the identity, so with
    ``with_temporal_conv=False`` (and no S-TDM) the backbone computes exactly
    the plain ResNet's function of the same weights (with it, the plain
    ResNet with TSM's shift after each res3-res5 block's first conv).

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
        with_short_term_tdm (bool): Add TDN's short-term TDM (reads F
            consecutive frames per segment). Defaults to False.
        frames_per_segment (int, optional): Consecutive frames F per segment;
            the centre one, ``F // 2``, feeds the appearance path. Defaults to
            None: 5 with the S-TDM, else 1.
        fusion_weights (Sequence[float], optional): S-TDM fusion ``(a, b)``.
            Defaults to None, the release's rule
            (:func:`~tdn_plugin.models.common.release_fusion_weights`).
        **kwargs: Arguments of :class:`mmaction.models.ResNet`
            (``norm_cfg``, ``norm_eval``,
            ``frozen_stages``, ``partial_bn``, ``with_cp``,
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
                 with_short_term_tdm: bool = False,
                 frames_per_segment: Optional[int] = None,
                 fusion_weights: Optional[Sequence[float]] = None,
                 **kwargs) -> None:
        # read by make_temporal_module, which super().__init__() calls
        self.reduction = reduction
        self.aggregation = aggregation
        self.attention = attention
        self.enhancement = enhancement
        self.with_gtdm = with_gtdm
        self.with_temporal_conv = with_temporal_conv
        self.shift_div = shift_div
        if frames_per_segment is None:
            frames_per_segment = 5 if with_short_term_tdm else 1
        super().__init__(
            depth,
            num_segments=num_segments,
            temporal_stages=gtdm_stages,
            pretrained=pretrained,
            frames_per_segment=frames_per_segment,
            with_short_term_tdm=with_short_term_tdm,
            fusion_weights=fusion_weights,
            **kwargs)

    def make_temporal_module(self, channels: int,
                             stage: int) -> Optional[nn.Module]:
        """GTDM then temporal conv, each where enabled."""
        parts = OrderedDict()
        if self.with_gtdm:
            parts['gtdm'] = GlobalTemporalDifferenceModule(
                channels,
                self.num_segments,
                reduction=self.reduction,
                aggregation=self.aggregation,
                attention=self.attention,
                enhancement=self.enhancement,
                norm_cfg=self.norm_cfg)
        if self.with_temporal_conv:
            parts['temporal_conv'] = TemporalConvShift(
                channels, self.num_segments, shift_div=self.shift_div)
        return nn.Sequential(parts) if parts else None
