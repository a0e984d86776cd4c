import os.path as osp

import pytest
import torch
from mmaction.models.backbones.resnet import ResNet
from mmcv.cnn import ConvModule
from mmengine.analysis import FlopAnalyzer
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper

from tdn_plugin.models.backbones.resnet_gtd import ResNetGTD
from tdn_plugin.models.backbones.temporal_resnet import (
    torchvision_conv_bn_names,
)
from tdn_plugin.models.common import TemporalBlock
from tdn_plugin.models.common.gtdm import GlobalTemporalDifferenceModule

CONFIG_DIR = osp.join(osp.dirname(__file__), '..', '..', '..', 'configs',
                      'gtdnet')
CONFIGS = sorted(
    osp.join(CONFIG_DIR, f) for f in (
        'gtdnet_imagenet-pretrained-r50_8xb8-1x1x8-60e_sthv1-rgb.py',
        'gtdnet_imagenet-pretrained-r50_8xb8-1x1x8-60e_sthv2-rgb.py',
        'gtdnet_imagenet-pretrained-r50_8xb16-1x1x8-100e_kinetics400-rgb.py'))


def build(depth=18, num_segments=4, **kwargs):
    model = ResNetGTD(depth, num_segments=num_segments, **kwargs)
    model.init_weights()
    return model


def gtdms(model):
    return [
        m for m in model.modules()
        if isinstance(m, GlobalTemporalDifferenceModule)
    ]


def plain_resnet_state_dict(model):
    """The model's state dict under the plain ResNet's names."""
    return {
        k.replace('.block.', '.'): v
        for k, v in model.state_dict().items() if '.temporal.' not in k
    }


def torchvision_state_dict(resnet):
    """A torchvision-format state dict of an mmaction ResNet."""
    state_dict = {}
    for name, module in resnet.named_modules():
        if isinstance(module, ConvModule):
            conv_name, bn_name = torchvision_conv_bn_names(name)
            state_dict[conv_name + '.weight'] = module.conv.weight
            for key, value in module.bn.state_dict().items():
                state_dict[f'{bn_name}.{key}'] = value
    state_dict['fc.weight'] = torch.randn(1000, resnet.feat_dim)
    state_dict['fc.bias'] = torch.randn(1000)
    return state_dict


def randomise_gtdms(model):
    torch.manual_seed(1)
    with torch.no_grad():
        for gtdm in gtdms(model):
            for p in gtdm.parameters():
                p.normal_(0, 0.5)


@pytest.mark.parametrize('depth,num_segments,size', [(18, 4, 32),
                                                     (18, 1, 32),
                                                     (34, 3, 32),
                                                     (50, 8, 32)])
def test_shapes(depth, num_segments, size):
    model = build(depth, num_segments)
    x = torch.randn(2 * num_segments, 3, size, size)
    with torch.no_grad():
        out = model(x)
    channels = 512 if depth < 50 else 2048
    assert out.shape == (2 * num_segments, channels, size // 32, size // 32)
    # res3-res5 blocks carry a GTDM then the temporal conv
    blocks = [m for m in model.modules() if isinstance(m, TemporalBlock)]
    assert len(blocks) == sum(model.stage_blocks[1:])
    assert len(gtdms(model)) == len(blocks)
    assert list(blocks[0].temporal._modules) == ['gtdm', 'temporal_conv']
    if num_segments > 1:
        with pytest.raises(ValueError):
            model(torch.randn(num_segments + 1, 3, size, size))


def test_options():
    model = build(gtdm_stages=(3, ), with_temporal_conv=False,
                  reduction=4, attention='temporal', enhancement='map')
    assert [type(b).__name__ for b in model.layer3] == ['BasicBlock'] * 2
    gtdm = model.layer4[0].temporal.gtdm
    assert gtdm.mid_channels == 512 // 4
    assert gtdm.attention.mode == 'temporal' and gtdm.enhancement == 'map'
    assert list(model.layer4[0].temporal._modules) == ['gtdm']
    # neither module: the plain ResNet
    plain = build(with_gtdm=False, with_temporal_conv=False)
    assert not any(isinstance(m, TemporalBlock) for m in plain.modules())


@pytest.mark.parametrize('depth,with_cp', [(18, False), (50, True)])
def test_every_parameter_gets_gradient(depth, with_cp):
    torch.manual_seed(0)
    model = build(depth, 4, with_cp=with_cp)
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    x = torch.randn(4, 3, 32, 32)  # one clip of T = 4
    target = torch.randn(4, model.feat_dim, 1, 1)
    ((model(x) - target)**2).mean().backward()
    for name, p in model.named_parameters():
        assert p.grad is not None, name
    optimizer.step()
    optimizer.zero_grad()
    ((model(x) - target)**2).mean().backward()
    dead = [n for n, p in model.named_parameters() if not p.grad.abs().sum()]
    assert not dead


def test_identity_at_init_equals_plain_resnet():
    """With the GTDMs alone, the initialised backbone is the plain ResNet of
    the same weights, in train and eval mode (float64: the stem runs
    channels-last on CPU, whose float32 rounding differs from the plain
    ResNet's, and train-mode BN on 1x1 maps amplifies it)."""
    torch.manual_seed(0)
    model = build(18, 4, with_temporal_conv=False).double()
    resnet = ResNet(18)
    resnet.load_state_dict(plain_resnet_state_dict(model))
    resnet.double()
    x = torch.randn(2 * 4, 3, 32, 32, dtype=torch.float64)
    for mode in (True, False):
        model.train(mode)
        resnet.train(mode)
        with torch.no_grad():
            assert torch.allclose(model(x), resnet(x), rtol=0, atol=1e-12)


def test_global_vector_uses_every_segment():
    """After a non-identity init, a change in any one segment changes every
    segment's output of its clip (through the GTDMs alone), never another
    clip's."""
    torch.manual_seed(0)
    t = 4
    model = build(18, t, with_temporal_conv=False)
    randomise_gtdms(model)
    model.eval()
    x = torch.randn(2 * t, 3, 32, 32)
    with torch.no_grad():
        out = model(x).view(2, t, -1)
        for k in range(t):
            perturbed = x.clone()
            perturbed[k] += torch.randn_like(perturbed[k])
            new = model(perturbed).view(2, t, -1)
            for s in range(t):
                assert not torch.allclose(new[0, s], out[0, s]), (k, s)
            assert torch.equal(new[1], out[1])


def test_loads_torchvision_imagenet_file(tmp_path):
    torch.manual_seed(0)
    source = ResNet(18)
    source.init_weights()
    path = tmp_path / 'resnet18_torchvision.pth'
    torch.save(torchvision_state_dict(source), path)

    model = build(18, 4, pretrained=str(path), with_temporal_conv=False)
    reference = ResNet(18, pretrained=str(path))  # mmaction's own loader
    reference.init_weights()
    state_dict = plain_resnet_state_dict(model)
    for key, value in reference.state_dict().items():
        assert torch.equal(state_dict[key], value), key
    for gtdm in gtdms(model):  # the GTDMs keep their own (identity) init
        assert not gtdm.expand.weight.any()
    model.eval()
    reference.eval()
    x = torch.randn(4, 3, 32, 32)
    with torch.no_grad():
        assert torch.allclose(model(x), reference(x), atol=1e-5)

    wrong = tmp_path / 'not_resnet18.pth'
    torch.save({'conv1.weight': torch.randn(64, 3, 7, 7)}, wrong)
    with pytest.raises(KeyError):
        build(18, 4, pretrained=str(wrong))


def test_extra_macs_under_5_percent():
    """R50, T = 8: the fraction grows as the input shrinks (the vector-level
    parts do not scale with it), so 32x32 bounds the 224x224 one
    (0.87 % there, ``docs/gtdnet.md``). FlopAnalyzer is the MAC counter of
    ``get_model_complexity_info``, without its second trace (activations)."""
    inputs = (torch.randn(8, 3, 32, 32), )

    def macs(model):
        return FlopAnalyzer(model, inputs).unsupported_ops_warnings(
            False).uncalled_modules_warnings(False).total()

    base = macs(ResNet(50))
    extra = macs(ResNetGTD(50, num_segments=8)) - base
    assert 0 < extra < 0.05 * base


@pytest.mark.parametrize('config', CONFIGS, ids=osp.basename)
def test_config_builds_and_steps(config):
    from mmaction.registry import MODELS
    from mmaction.structures import ActionDataSample
    from mmaction.utils import register_all_modules

    register_all_modules()
    cfg = Config.fromfile(config)
    assert cfg.custom_imports == dict(
        imports=['tdn_plugin'], allow_failed_imports=False)
    assert cfg.model.type == 'TDNRecognizer'  # a Recognizer2D
    assert cfg.model.backbone.type == 'ResNetGTD'
    assert 'constructor' not in cfg.optim_wrapper  # MMAction2's default
    cfg.model.backbone.pretrained = None
    model = MODELS.build(cfg.model)
    model.init_weights()
    t = cfg.model.backbone.num_segments
    num_classes = cfg.model.cls_head.num_classes

    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    optimized = {
        id(p)
        for group in optim_wrapper.optimizer.param_groups
        for p in group['params']
    }
    assert optimized == {id(p) for p in model.parameters()}

    def batch(views, videos=1):
        inputs = [
            torch.randint(0, 256, (views * t, 3, 32, 32), dtype=torch.uint8)
            for _ in range(videos)
        ]
        samples = [
            ActionDataSample().set_gt_label(i % num_classes)
            for i in range(videos)
        ]
        return dict(inputs=inputs, data_samples=samples)

    losses = model.train_step(batch(1), optim_wrapper)
    assert torch.isfinite(losses['loss_cls'])
    model.eval()
    with torch.no_grad():
        results = model.test_step(batch(2))  # 2 views (e.g. 2 crops)
    assert len(results) == 1
    assert results[0].pred_score.shape == (num_classes, )


def test_short_term_option_sees_consecutive_frames():
    """One frame per segment cannot see motion inside a segment; with the
    S-TDM (F = 5 frames per segment) a change of a non-centre frame
    changes the features."""
    t = 4
    with_stdm = build(18, t, with_short_term_tdm=True).eval()
    centre_only = build(18, t, frames_per_segment=5).eval()
    assert with_stdm.frames_per_view == centre_only.frames_per_view == 5 * t
    assert centre_only.short_term_tdm is None
    x = torch.randn(2 * 5 * t, 3, 64, 64)
    moved = x.clone()
    moved[5 * 1 + 3] += 1.0  # segment 1, frame 3 (centre is frame 2)
    with torch.no_grad():
        assert with_stdm(x).shape == (2 * t, 512, 2, 2)
        assert not torch.allclose(with_stdm(moved), with_stdm(x))
        assert torch.equal(centre_only(moved), centre_only(x))
        # and the centre-frame model is the one-frame model on x[2::5]
        one_frame = build(18, t).eval()
        one_frame.load_state_dict(centre_only.state_dict())
        torch.testing.assert_close(centre_only(x), one_frame(x[2::5]))


def test_short_term_option_is_tdns_s_tdm():
    """The same module, composed the same way: the S-TDM adds to GTDNet
    exactly the parameters it adds to TDN."""
    from tdn_plugin.models.backbones import ResNetTDN
    from tdn_plugin.models.common import ShortTermTDM

    def params(m):
        return sum(p.numel() for p in m.parameters())

    gtd = ResNetGTD(18, with_short_term_tdm=True)
    assert type(gtd.short_term_tdm) is ShortTermTDM
    assert gtd.short_term_tdm.fusion_weights == (0.5, 0.5)
    tdn_extra = params(ResNetTDN(18)) - params(
        ResNetTDN(18, with_short_term_tdm=False))
    assert params(gtd) - params(ResNetGTD(18)) == tdn_extra > 0


def test_short_term_option_takes_imagenet_weights(tmp_path):
    torch.manual_seed(0)
    source = ResNet(18)
    source.init_weights()
    path = tmp_path / 'resnet18_torchvision.pth'
    state_dict = torchvision_state_dict(source)
    torch.save(state_dict, path)
    model = build(18, 4, pretrained=str(path), with_short_term_tdm=True)
    stem = model.short_term_tdm.stem.conv.weight
    assert stem.shape[1] == 12
    torch.testing.assert_close(
        stem, state_dict['conv1.weight'].mean(1, keepdim=True).expand_as(stem))
    torch.testing.assert_close(
        model.short_term_tdm.res_layer[1].conv2.conv.weight,
        state_dict['layer1.1.conv2.weight'])


def test_short_term_option_in_tdn_recognizer():
    from mmaction.registry import MODELS
    from mmaction.structures import ActionDataSample
    from mmaction.utils import register_all_modules

    register_all_modules()
    t = 4
    model = MODELS.build(dict(
        type='TDNRecognizer',
        backbone=dict(type='ResNetGTD', depth=18, num_segments=t,
                      with_short_term_tdm=True),
        cls_head=dict(type='TSMHead', num_classes=3, in_channels=512,
                      num_segments=t, is_shift=True, average_clips='prob'),
        data_preprocessor=dict(type='ActionDataPreprocessor',
                               format_shape='NCHW')))
    model.init_weights()
    assert model.frames_per_view == 5 * t
    model.eval()
    frames = torch.randint(0, 256, (2 * 5 * t, 3, 32, 32), dtype=torch.uint8)
    with torch.no_grad():
        out = model.test_step(dict(inputs=[frames],
                                   data_samples=[ActionDataSample()]))
    assert out[0].pred_score.shape == (3, )
