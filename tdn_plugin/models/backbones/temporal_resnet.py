"""The ResNet-wrapping machinery shared by ResNetTDN and ResNetGTD."""
from typing import Iterator, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmaction.models.backbones.resnet import ResNet, make_res_layer
from mmcv.cnn import ConvModule
from mmengine.logging import MMLogger
from mmengine.runner.checkpoint import _load_checkpoint

from ..common import (
    ShortTermTDM,
    TemporalBlock,
    TemporalModule,
    release_fusion_weights,
)
from ..common.memory_format import is_channels_last, to_contiguous


def torchvision_conv_bn_names(name: str) -> Tuple[str, str]:
    """torchvision's names of the conv and BN that a ConvModule stands for."""
    if name.endswith('downsample'):
        return name + '.0', name + '.1'
    return name, name.replace('conv', 'bn')


class TemporalResNet(ResNet):
    """MMAction2's ResNet on the frames of T segments, with temporal modules
    in its blocks and, optionally, TDN's short-term TDM at the stem.

    The input holds F consecutive frames per segment (``frames_per_view =
    T * F`` per view, segment-major, then frame, as ``FormatShape('NCHW')``
    lays out ``TDNSampleFrames``' output); the appearance path reads each
    segment's centre frame ``F // 2``. With ``with_short_term_tdm`` the
    short-term TDM of `TDN <https://arxiv.org/abs/2012.10071>`_
    (:class:`~tdn_plugin.models.common.ShortTermTDM`) adds the motion of the
    segment's F frames to the appearance after the stem and after res2, with
    ImageNet initialisation and ``frozen_stages`` as TDN's release has them.

    Every block of ``temporal_stages`` is wrapped in a
    :class:`~tdn_plugin.models.common.TemporalBlock` carrying the module that
    the subclass's :meth:`make_temporal_module` returns for it; the wrapping
    happens here, at the end of ``__init__``. A subclass therefore stores the
    plain options its :meth:`make_temporal_module` reads (ints, strings,
    bools) on ``self`` *before* calling ``super().__init__()``, and reads the
    host's attributes (``self.norm_cfg`` ...) only inside the hook. Subclasses
    may add branches of their own, telling how ImageNet weights map onto them
    (:meth:`torchvision_names`, :meth:`adapt_torchvision_state_dict`).
    Everything else is the host's ResNet: ConvModule blocks, norm and
    activation from ``norm_cfg`` / ``act_cfg`` (also injected into the
    temporal modules), ``frozen_stages``, ``norm_eval``, ``partial_bn``,
    ``with_cp``, ``out_indices``, torchvision-file loading.

    Output: (N*T, C, H/32, W/32), one feature map per segment (a tuple of
    them with several ``out_indices``).

    Args:
        depth (int): ResNet depth, 18, 34, 50 or 101.
        num_segments (int): Segments T per clip.
        temporal_stages (Sequence[int]): Stages whose blocks get a temporal
            module, 0-based (0 = res2/layer1 ... 3 = res5/layer4).
            Defaults to (1, 2, 3).
        pretrained (str, optional): A torchvision-format ImageNet ResNet
            (local file, ``torchvision://resnet50`` where the network allows),
            or with ``torchvision_pretrain=False`` a checkpoint of this very
            backbone. Defaults to None.
        frames_per_segment (int): Consecutive frames F per segment in the
            input. Defaults to 1.
        with_short_term_tdm (bool): Use the short-term TDM (needs
            ``frames_per_segment >= 2``). Defaults to False.
        fusion_weights (Sequence[float], optional): S-TDM fusion ``(a, b)``.
            Defaults to None, the release's rule
            (:func:`~tdn_plugin.models.common.release_fusion_weights`).
        **kwargs: Arguments of :class:`mmaction.models.ResNet`.
    """

    def __init__(self,
                 depth: int,
                 num_segments: int,
                 temporal_stages: Sequence[int] = (1, 2, 3),
                 pretrained: Optional[str] = None,
                 frames_per_segment: int = 1,
                 with_short_term_tdm: bool = False,
                 fusion_weights: Optional[Sequence[float]] = None,
                 **kwargs) -> None:
        if depth not in (18, 34, 50, 101):
            raise ValueError(f'{type(self).__name__} supports depth 18, 34, '
                             f'50 or 101, got depth={depth}')
        super().__init__(depth, pretrained=pretrained, **kwargs)
        if num_segments < 1:
            raise ValueError(f'num_segments must be >= 1, got {num_segments}')
        if frames_per_segment < 1:
            raise ValueError('frames_per_segment must be >= 1, got '
                             f'{frames_per_segment}')
        self.num_segments = num_segments
        self.frames_per_segment = frames_per_segment
        self.temporal_stages = tuple(temporal_stages)
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
        self._wrap_temporal_blocks()

    @property
    def frames_per_view(self) -> int:
        """Frames one view needs, ``T * F``: the one place this is derived
        (the recognizer, sampler checks and MAC counter read it)."""
        return self.num_segments * self.frames_per_segment

    def make_temporal_module(self, channels: int,
                             stage: int) -> Optional[nn.Module]:
        """The temporal module for a block of ``stage`` whose first conv
        gives ``channels`` channels; None leaves the block as it is."""
        raise NotImplementedError

    def _wrap_temporal_blocks(self) -> None:
        for stage in self.temporal_stages:
            name = self.res_layers[stage]
            blocks = []
            for block in getattr(self, name):
                temporal = self.make_temporal_module(block.conv1.out_channels,
                                                     stage)
                blocks.append(block if temporal is None else
                              TemporalBlock(block, temporal))
            setattr(self, name, nn.Sequential(*blocks))

    def _make_motion_res_layer(self) -> nn.Module:
        """A second res2 with layer1's architecture, for the motion path."""
        return make_res_layer(
            self.block,
            64,
            64,
            self.stage_blocks[0],
            stride=self.strides[0],
            dilation=self.dilations[0],
            style=self.style,
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg,
            with_cp=self.with_cp)

    def train(self, mode: bool = True) -> 'TemporalResNet':
        """The host's train() (frozen stages, norm_eval, partial BN), and
        ``self`` back, as ``nn.Module.train`` does (the host returns None)."""
        super().train(mode)
        return self

    def _freeze_stages(self) -> None:
        """The host's frozen stages; the S-TDM stem freezes with the stem
        (``frozen_stages >= 0``), its res2 with res2 (``>= 1``)."""
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

    # ImageNet initialisation ------------------------------------------------
    def torchvision_names(self) -> Iterator[Tuple[str, str, Optional[str]]]:
        """(ConvModule name, torchvision conv name, torchvision BN name) for
        every ConvModule that takes ImageNet weights; BN name None keeps the
        module's own BN initialisation. The S-TDM's res2 takes res2's
        weights, its stem the adapted conv1
        (:meth:`adapt_torchvision_state_dict`) with its BN's default init,
        as in the release."""
        for name, module in self.named_modules():
            if (isinstance(module, ConvModule)
                    and name.split('.')[0] in ('conv1', *self.res_layers)
                    and '.temporal.' not in name):
                yield (name, ) + torchvision_conv_bn_names(
                    name.replace('.block.', '.'))
        if self.short_term_tdm is None:
            return
        yield 'short_term_tdm.stem', 'short_term_tdm.stem', None
        for name, module in self.short_term_tdm.res_layer.named_modules():
            if isinstance(module, ConvModule):
                yield (f'short_term_tdm.res_layer.{name}',
                       ) + torchvision_conv_bn_names(f'{self.res_layers[0]}.'
                                                     f'{name}')

    def adapt_torchvision_state_dict(self, state_dict: dict) -> dict:
        """Add entries for weights derived from ImageNet ones: the S-TDM
        stem's conv is the RGB conv1 averaged over RGB and replicated to the
        3 * (F - 1) difference channels."""
        if self.short_term_tdm is not None:
            rgb = state_dict['conv1.weight']  # (64, 3, 7, 7)
            in_channels = self.short_term_tdm.stem.conv.in_channels
            state_dict['short_term_tdm.stem.weight'] = rgb.mean(
                1, keepdim=True).expand(-1, in_channels, -1, -1).contiguous()
        return state_dict

    def _load_torchvision_checkpoint(self,
                                     logger: Optional[MMLogger] = None
                                     ) -> None:
        logger = logger or MMLogger.get_current_instance()
        state_dict = _load_checkpoint(self.pretrained, map_location='cpu')
        state_dict = dict(state_dict.get('state_dict', state_dict))
        state_dict = self.adapt_torchvision_state_dict(state_dict)
        loaded = []
        for name, conv_name, bn_name in self.torchvision_names():
            module = self.get_submodule(name)
            if conv_name + '.weight' not in state_dict:
                raise KeyError(f'{self.pretrained} has no {conv_name}.weight '
                               f'for {name}: is it a torchvision ResNet-'
                               f'{self.depth}?')
            self._load_conv_params(module.conv, state_dict, conv_name, loaded)
            if bn_name is not None:
                self._load_bn_params(module.bn, state_dict, bn_name, loaded)
        unused = set(state_dict) - set(loaded)
        if unused:
            logger.info(f'Not loaded from {self.pretrained}: {sorted(unused)}')

    def init_weights(self) -> None:
        """The host's initialisation (ImageNet file or init_cfg), then each
        temporal module's documented one, unless ``pretrained`` is a
        checkpoint of this backbone, which carries them already."""
        super().init_weights()
        if isinstance(self.pretrained, str) and not self.torchvision_pretrain:
            return
        for m in self.modules():
            if isinstance(m, TemporalModule):
                m.init_weights()

    # Forward ----------------------------------------------------------------
    def forward_stem(self, frames: torch.Tensor) -> torch.Tensor:
        """conv1 and max-pool. On CPU they run channels-last, as the S-TDM's
        stem does (oneDNN's max-pool is several times faster so; the same
        function), and the features come back NCHW unless the model itself
        was made channels-last (their gradient goes back channels-last:
        :func:`.to_contiguous`)."""
        if frames.device.type != 'cpu':
            return self.maxpool(self.conv1(frames))
        x = self.maxpool(self.conv1(
            frames.contiguous(memory_format=torch.channels_last)))
        if is_channels_last(self.conv1.conv.weight):
            return x
        return to_contiguous(x)

    def forward(
        self, x: torch.Tensor
    ) -> Union[torch.Tensor, Tuple[torch.Tensor, ...]]:
        """(N*T*F, 3, H, W) frames -> (N*T, C, H/32, W/32) features."""
        if x.dim() != 4 or x.shape[0] % self.frames_per_view:
            raise ValueError(
                f'{type(self).__name__}(num_segments={self.num_segments}, '
                f'frames_per_segment={self.frames_per_segment}) needs '
                f'{self.frames_per_view} frames per view, i.e. an input of '
                f'(N*{self.frames_per_view}, 3, H, W); got {tuple(x.shape)}')
        f = self.frames_per_segment
        segments = x.view((-1, f) + x.shape[1:])  # (N*T, F, 3, H, W)
        x = self.forward_stem(segments[:, f // 2])  # centre frames
        motion = None
        if self.short_term_tdm is not None:
            motion = self.short_term_tdm(segments)  # (stem, res2) features
            x = self.short_term_tdm.fuse(x, motion[0])
        outs = []
        for i, name in enumerate(self.res_layers):
            x = getattr(self, name)(x)
            if i == 0 and motion is not None:
                x = self.short_term_tdm.fuse(x, motion[1])
            if i in self.out_indices:
                outs.append(x)
        return outs[0] if len(outs) == 1 else tuple(outs)
