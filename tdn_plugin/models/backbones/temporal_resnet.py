"""The ResNet-wrapping machinery shared by ResNetTDN and ResNetGTD."""
from typing import Iterator, Optional, Sequence, Tuple

import torch.nn as nn
from mmaction.models.backbones.resnet import ResNet
from mmcv.cnn import ConvModule
from mmengine.logging import MMLogger
from mmengine.runner.checkpoint import _load_checkpoint

from ..common import TemporalBlock, TemporalModule


def torchvision_conv_bn_names(name: str) -> Tuple[str, str]:
    """torchvision's names of the conv and BN that a ConvModule stands for."""
    if name.endswith('downsample'):
        return name + '.0', name + '.1'
    return name, name.replace('conv', 'bn')


class TemporalResNet(ResNet):
    """MMAction2's ResNet whose blocks in some stages carry a temporal module.

    Subclasses say which module a block gets (:meth:`make_temporal_module`)
    and may add branches of their own, telling how ImageNet weights map onto
    them (:meth:`torchvision_names`, :meth:`adapt_torchvision_state_dict`).
    Everything else is the host's ResNet: ConvModule blocks, ``frozen_stages``,
    ``norm_eval``, ``partial_bn``, ``with_cp``, torchvision-file loading.

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
        **kwargs: Arguments of :class:`mmaction.models.ResNet`.
    """

    def __init__(self,
                 depth: int,
                 num_segments: int,
                 temporal_stages: Sequence[int] = (1, 2, 3),
                 pretrained: Optional[str] = None,
                 **kwargs) -> None:
        if depth not in (18, 34, 50, 101):
            raise ValueError(f'{type(self).__name__} supports depth 18, 34, '
                             f'50 or 101, got depth={depth}')
        super().__init__(depth, pretrained=pretrained, **kwargs)
        if num_segments < 1:
            raise ValueError(f'num_segments must be >= 1, got {num_segments}')
        self.num_segments = num_segments
        self.temporal_stages = tuple(temporal_stages)

    def wrap_blocks(self) -> None:
        """Wrap every block of ``temporal_stages`` in a :class:`TemporalBlock`
        (a block whose module would be None stays as it is)."""
        for stage in self.temporal_stages:
            name = self.res_layers[stage]
            blocks = []
            for block in getattr(self, name):
                temporal = self.make_temporal_module(block.conv1.out_channels,
                                                     stage)
                blocks.append(block if temporal is None else
                              TemporalBlock(block, temporal))
            setattr(self, name, nn.Sequential(*blocks))

    def make_temporal_module(self, channels: int,
                             stage: int) -> Optional[nn.Module]:
        """The temporal module for a block of ``stage`` at width C."""
        raise NotImplementedError

    def train(self, mode: bool = True) -> 'TemporalResNet':
        """The host's train() (frozen stages, norm_eval, partial BN), and
        ``self`` back, as ``nn.Module.train`` does (the host returns None)."""
        super().train(mode)
        return self

    # ImageNet initialisation ------------------------------------------------
    def torchvision_names(self) -> Iterator[Tuple[str, str, Optional[str]]]:
        """(ConvModule name, torchvision conv name, torchvision BN name) for
        every ConvModule that takes ImageNet weights; BN name None keeps the
        module's own BN initialisation."""
        for name, module in self.named_modules():
            if (isinstance(module, ConvModule)
                    and name.split('.')[0] in ('conv1', *self.res_layers)
                    and '.temporal.' not in name):
                yield (name, ) + torchvision_conv_bn_names(
                    name.replace('.block.', '.'))

    def adapt_torchvision_state_dict(self, state_dict: dict) -> dict:
        """Add entries for weights derived from ImageNet ones."""
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
