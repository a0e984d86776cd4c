"""The shared machinery of ResNetTDN and ResNetGTD: block wrapping, the
S-TDM composition, frames_per_view, norm injection, the inference forms."""
from typing import Optional

import pytest
import torch
import torch.nn as nn

from tdn_plugin.models.backbones import ResNetGTD, ResNetTDN, TemporalResNet
from tdn_plugin.models.common import (
    FusedLongTermTDM,
    FusedShortTermTDM,
    FusedTemporalConvShift,
    LongTermTDM,
    TemporalBlock,
    TemporalConvShift,
    fuse_for_inference,
)


class ShiftResNet(TemporalResNet):
    """A minimal subclass: only the hook, no call to remember."""

    def __init__(self, depth: int, num_segments: int, **kwargs) -> None:
        self.shift_div = 4  # read by the hook, so set before super()
        super().__init__(depth, num_segments, **kwargs)

    def make_temporal_module(self, channels: int,
                             stage: int) -> Optional[nn.Module]:
        if stage == 3:
            return None
        return TemporalConvShift(channels, self.num_segments,
                                 shift_div=self.shift_div)


def test_subclass_gets_its_blocks_wrapped_in_init():
    m = ShiftResNet(18, 4, temporal_stages=(1, 3))
    assert [type(b) for b in m.layer2] == [TemporalBlock] * 2
    assert m.layer2[0].temporal.shift_div == 4
    assert not any(isinstance(b, TemporalBlock) for b in m.layer4)
    assert m.frames_per_view == 4 and m.short_term_tdm is None


@pytest.mark.parametrize('backbone,frames', [
    (dict(type=ResNetTDN), 8 * 5),
    (dict(type=ResNetTDN, frames_per_segment=3), 8 * 3),
    (dict(type=ResNetGTD), 8),
    (dict(type=ResNetGTD, with_short_term_tdm=True), 8 * 5),
])
def test_frames_per_view(backbone, frames):
    backbone = dict(backbone)
    m = backbone.pop('type')(18, num_segments=8, **backbone)
    assert m.frames_per_view == frames


@pytest.mark.parametrize('cls,kwargs', [
    (ResNetTDN, {}), (ResNetGTD, {}),
    (ResNetGTD, dict(with_short_term_tdm=True, enhancement='map')),
])
def test_fused_and_plain_give_one_function(cls, kwargs, randomise):
    """float64, eval mode: fuse_for_inference changes speed only."""
    m = randomise(cls(18, num_segments=4, **kwargs)).double().eval()
    x = torch.randn(2 * m.frames_per_view, 3, 64, 64, dtype=torch.float64)
    fused = fuse_for_inference(m)
    with torch.no_grad():
        plain, out = m(x), fused(x)
    assert (out - plain).abs().max() < 1e-12 * plain.abs().max()


def test_every_temporal_module_gets_its_inference_form():
    fused = fuse_for_inference(ResNetTDN(18, num_segments=4))
    kinds = [type(mod) for mod in fused.modules()]
    assert kinds.count(FusedShortTermTDM) == 1
    assert kinds.count(FusedLongTermTDM) == 6  # res3-res5, 2 blocks each
    assert kinds.count(FusedTemporalConvShift) == 6
    assert LongTermTDM not in kinds and TemporalConvShift not in kinds


def test_norm_cfg_reaches_the_temporal_modules():
    norm_cfg = dict(type='BN2d', requires_grad=True, eps=1e-3)
    m = ResNetTDN(18, num_segments=4, norm_cfg=norm_cfg)
    ltdm = m.layer3[0].temporal.long_term_tdm
    assert all(bn.eps == 1e-3 for bn in (ltdm.reduce_bn, ltdm.pooled_bn,
                                         ltdm.full_bn, ltdm.expand_bn))
    assert m.short_term_tdm.stem.bn.eps == 1e-3
    g = ResNetGTD(18, num_segments=4, norm_cfg=norm_cfg)
    assert g.layer2[1].temporal.gtdm.reduce_bn.eps == 1e-3


def test_group_norm_backbone_fuses_what_it_can(randomise):
    """A norm that cannot be folded stays as it is in the fused model."""
    norm_cfg = dict(type='GN', num_groups=4, requires_grad=True)
    m = ResNetTDN(18, num_segments=4, norm_cfg=norm_cfg)
    m.init_weights()
    m = randomise(m).double().eval()
    assert isinstance(m.layer4[1].temporal.long_term_tdm.expand_bn,
                      nn.GroupNorm)
    assert isinstance(m.layer4[1].temporal.long_term_tdm, LongTermTDM)
    x = torch.randn(20, 3, 64, 64, dtype=torch.float64)
    fused = fuse_for_inference(m)
    with torch.no_grad():
        out, plain = fused(x), m(x)
    assert (out - plain).abs().max() < 1e-12 * plain.abs().max()


def test_out_indices():
    m = ResNetGTD(18, num_segments=4, out_indices=(2, 3)).eval()
    with torch.no_grad():
        c4, c5 = m(torch.randn(4, 3, 64, 64))
    assert c4.shape == (4, 256, 4, 4) and c5.shape == (4, 512, 2, 2)
