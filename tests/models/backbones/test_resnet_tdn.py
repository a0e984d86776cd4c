import pytest
import torch
from mmaction.models.backbones.resnet import ResNet

from tdn_plugin.models.backbones import ResNetTDN
from tdn_plugin.models.backbones.resnet_tdn import release_fusion_weights
from tdn_plugin.models.common import TemporalConvShift


def build(**kwargs):
    kwargs.setdefault('depth', 18)
    kwargs.setdefault('num_segments', 4)
    m = ResNetTDN(**kwargs)
    m.init_weights()
    return m


@pytest.mark.parametrize('depth,segments,size,channels', [
    (50, 8, 64, 2048), (50, 16, 32, 2048), (18, 8, 64, 512),
    (34, 4, 96, 512), (101, 8, 32, 2048)])
def test_shapes(depth, segments, size, channels):
    m = build(depth=depth, num_segments=segments).eval()
    x = torch.randn(2 * segments * 5, 3, size, size)
    with torch.no_grad():
        y = m(x)
    assert y.shape == (2 * segments, channels, size // 32, size // 32)


def test_non_square_input():
    m = build().eval()
    with torch.no_grad():
        y = m(torch.randn(20, 3, 96, 64))
    assert y.shape == (4, 512, 3, 2)


def test_wrong_number_of_frames_is_a_clear_error():
    m = build(num_segments=8)
    with pytest.raises(ValueError, match='needs 40 frames per view'):
        m(torch.randn(8, 3, 32, 32))


def test_every_parameter_gets_a_gradient():
    m = build(depth=50, num_segments=4).train()
    m(torch.randn(2 * 4 * 5, 3, 64, 64)).square().mean().backward()
    dead = [n for n, p in m.named_parameters()
            if p.grad is None or p.grad.abs().sum() == 0]
    assert not dead


def test_no_dead_parameters_or_unused_conv():
    m = build(depth=50, num_segments=8)
    names = [n for n, _ in m.named_parameters()]
    assert not any('temp' in n and 'temporal' not in n for n in names)
    # 24.4 M with a 174-class fc, as released (biases folded into BN)
    params = sum(p.numel() for p in m.parameters()) + 2048 * 174 + 174
    assert abs(params / 1e6 - 24.38) < 0.01


def test_temporal_conv_initialised_as_shift():
    m = build(depth=50)
    convs = [x for x in m.modules() if isinstance(x, TemporalConvShift)]
    assert len(convs) == 13  # every res3-res5 block of R50
    for conv in convs:
        fold = conv.channels // 8
        w = conv.weight[:, 0]
        assert torch.all(w[:fold] == torch.tensor([0., 0., 1.]))
        assert torch.all(w[fold:2 * fold] == torch.tensor([1., 0., 0.]))
        assert torch.all(w[2 * fold:] == torch.tensor([0., 1., 0.]))


def test_fusion_weights_follow_the_release():
    assert release_fusion_weights(8) == (0.5, 0.5)
    assert release_fusion_weights(16) == (0.75, 0.25)
    assert build(num_segments=16).short_term_tdm.fusion_weights == (0.75,
                                                                    0.25)
    assert build(num_segments=8, fusion_weights=(0.6, 0.4)) \
        .short_term_tdm.fusion_weights == (0.6, 0.4)


def test_temporal_parts_switch_off():
    m = build(with_short_term_tdm=False)
    assert m.short_term_tdm is None
    m = build(with_long_term_tdm=False)
    assert not any('long_term_tdm' in n for n, _ in m.named_parameters())
    assert any('temporal_conv' in n for n, _ in m.named_parameters())
    # with none, TDN is a ResNet on each segment's centre frame (TSN-like)
    m = build(with_short_term_tdm=False, with_long_term_tdm=False,
              with_temporal_conv=False).eval()
    plain = ResNet(18)
    plain.load_state_dict(m.state_dict())
    plain.eval()
    x = torch.randn(4 * 5, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(m(x), plain(x[2::5]))


def test_segments_interact_only_through_temporal_modules():
    m = build(depth=18, num_segments=4).eval()
    x = torch.randn(2 * 4 * 5, 3, 64, 64)
    with torch.no_grad():
        base = m(x)
        x2 = x.clone()
        x2[4 * 5:] += 1.0  # the second clip only
        out = m(x2)
    torch.testing.assert_close(out[:4], base[:4])  # clips stay independent
    assert not torch.allclose(out[4:], base[4:])


def torchvision_state_dict(depth):
    """A torchvision-format ResNet state dict (what resnet50.pth holds),
    made from MMAction2's ResNet with random weights."""
    plain = ResNet(depth)
    for p in plain.parameters():
        torch.nn.init.normal_(p, std=0.1)
    state = {}
    for key, value in plain.state_dict().items():
        key = key.replace('.downsample.conv.', '.downsample.0.') \
            .replace('.downsample.bn.', '.downsample.1.')
        if '.downsample.' not in key:
            for i in '123':
                key = key.replace(f'conv{i}.bn.', f'bn{i}.')
            key = key.replace('conv1.bn.', 'bn1.')
        key = key.replace('.conv.', '.')
        state[key] = value
    state['fc.weight'] = torch.randn(1000, plain.feat_dim)
    state['fc.bias'] = torch.randn(1000)
    return state


@pytest.mark.parametrize('depth', [18, 50])
def test_imagenet_initialisation(tmp_path, depth):
    tv = torchvision_state_dict(depth)
    path = tmp_path / f'resnet{depth}.pth'
    torch.save(tv, path)
    m = build(depth=depth, num_segments=8, pretrained=str(path))
    sd = m.state_dict()
    torch.testing.assert_close(sd['conv1.conv.weight'], tv['conv1.weight'])
    torch.testing.assert_close(sd['conv1.bn.running_var'],
                               tv['bn1.running_var'])
    torch.testing.assert_close(sd['layer1.0.conv2.conv.weight'],
                               tv['layer1.0.conv2.weight'])
    torch.testing.assert_close(sd['layer3.1.block.conv1.conv.weight'],
                               tv['layer3.1.conv1.weight'])
    torch.testing.assert_close(sd['layer2.0.block.downsample.bn.weight'],
                               tv['layer2.0.downsample.1.weight'])
    # S-TDM: stem = RGB conv1 averaged and replicated to 12 channels, its BN
    # default; its res2 = ImageNet res2
    stem = sd['short_term_tdm.stem.conv.weight']
    assert stem.shape[1] == 12
    expected = tv['conv1.weight'].mean(1, keepdim=True).expand_as(stem)
    torch.testing.assert_close(stem, expected)
    assert torch.all(sd['short_term_tdm.stem.bn.weight'] == 1)
    assert torch.all(sd['short_term_tdm.stem.bn.bias'] == 0)
    for key in ('0.conv1.conv.weight', '1.conv2.bn.running_mean'):
        tv_key = f'layer1.{key}'.replace('conv2.bn.', 'bn2.') \
            .replace('.conv.', '.')
        torch.testing.assert_close(sd[f'short_term_tdm.res_layer.{key}'],
                                   tv[tv_key])
    # the temporal modules keep their documented init
    assert all(
        torch.all(c.weight[c.channels // 4:, 0, 1] == 1)
        for c in m.modules() if isinstance(c, TemporalConvShift))


def test_frozen_stages_cover_the_motion_branch():
    m = build(frozen_stages=1)
    m.train()
    assert not any(p.requires_grad
                   for p in m.short_term_tdm.parameters())
    assert not m.short_term_tdm.stem.bn.training
    assert all(p.requires_grad for p in m.layer2.parameters())


def test_with_cp_gives_the_same_gradients():
    torch.manual_seed(0)
    a = build(depth=50, with_cp=False).train()
    b = build(depth=50, with_cp=True).train()
    b.load_state_dict(a.state_dict())
    x = torch.randn(20, 3, 64, 64, requires_grad=True)
    a(x).sum().backward()
    b(x).sum().backward()
    torch.testing.assert_close(a.conv1.conv.weight.grad,
                               b.conv1.conv.weight.grad)


def test_unsupported_depth_is_a_clear_error():
    with pytest.raises(ValueError, match='depth 18, 34, 50 or 101'):
        ResNetTDN(depth=152)
