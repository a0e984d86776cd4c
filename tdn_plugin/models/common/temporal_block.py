"""Wrapping MMAction2's ResNet blocks with a temporal module."""
import torch
import torch.nn as nn
from mmaction.models.backbones.resnet import Bottleneck
from torch.utils import checkpoint as cp


class TemporalModule(nn.Module):
    """Base of the modules that model time inside a ResNet block.

    A subclass documents its initialisation in :meth:`init_weights`; the
    backbone calls it after loading ImageNet weights (which never cover these
    modules), so a converted or resumed checkpoint is never overwritten.
    """

    def init_weights(self) -> None:
        raise NotImplementedError


class TemporalBlock(nn.Module):
    """A host ResNet block with a temporal module after its first conv.

    ``x -> conv1(+BN+ReLU) -> temporal -> conv2 [-> conv3] -> + identity ->
    ReLU``, the pattern of TDN's and TANet's blocks. The wrapped block keeps
    its own modules (``block.conv1`` ...), so ImageNet weights map by name.

    Args:
        block (nn.Module): The host's ``Bottleneck`` or ``BasicBlock``.
        temporal (nn.Module): Applied to the output of ``block.conv1``.
    """

    def __init__(self, block: nn.Module, temporal: nn.Module) -> None:
        super().__init__()
        self.block = block
        self.temporal = temporal

    def _residual(self, x: torch.Tensor) -> torch.Tensor:
        identity = x
        out = self.temporal(self.block.conv1(x))
        out = self.block.conv2(out)
        if isinstance(self.block, Bottleneck):
            out = self.block.conv3(out)
        if self.block.downsample is not None:
            identity = self.block.downsample(x)
        return out + identity

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if getattr(self.block, 'with_cp', False) and x.requires_grad:
            out = cp.checkpoint(self._residual, x, use_reentrant=False)
        else:
            out = self._residual(x)
        return self.block.relu(out)
