"""torch.compile readiness: TDN and GTDNet trace whole (0 graph breaks
under TorchDynamo), plain, fused and in training, as MMAction2's TSM does;
the speed forms' strided writes (:mod:`compiling`) trace."""
import pytest
import torch
import torch._dynamo as dynamo
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmaction.utils import register_all_modules

from tdn_plugin.models import fuse_for_inference
from tdn_plugin.models.common.compiling import is_compiling, write_into

BACKBONES = {
    'tdn': dict(type='ResNetTDN'),
    'gtdnet': dict(type='ResNetGTD'),
    'gtdnet-stdm-map': dict(type='ResNetGTD', with_short_term_tdm=True,
                            enhancement='map', attention='temporal',
                            aggregation='mean'),
    'tsm': dict(type='ResNetTSM', pretrained2d=False),
}


def graph_breaks(fn, *args) -> list:
    """The reasons TorchDynamo breaks ``fn``'s graph on ``args`` (explain
    traces, it compiles nothing)."""
    dynamo.reset()
    explained = dynamo.explain(fn)(*args)
    dynamo.reset()
    return [str(b.reason).split('\n')[0] for b in explained.break_reasons]


def build(name, segments, depth=18):
    register_all_modules(init_default_scope=True)
    return MODELS.build(dict(BACKBONES[name], depth=depth,
                             num_segments=segments, pretrained=None))


def test_write_into_traces_a_strided_out():
    """Eager: straight into a channels-last buffer; traced: no break, the
    same values."""
    a, b = torch.randn(2, 3, 4, 5), torch.randn(2, 3, 4, 5)

    def sub_channels_last(a, b):
        out = a.new_empty(2, 4, 5, 3).permute(0, 3, 1, 2)
        return write_into(out, torch.sub, a, b), is_compiling()

    out, compiling = sub_channels_last(a, b)
    assert not compiling and out.is_contiguous(
        memory_format=torch.channels_last)
    torch.testing.assert_close(out, a - b, rtol=0, atol=0)
    assert graph_breaks(sub_channels_last, a, b) == []
    traced, compiling = torch.compile(sub_channels_last,
                                      backend='eager')(a, b)
    assert compiling
    torch.testing.assert_close(traced, a - b, rtol=0, atol=0)


@pytest.mark.parametrize('segments', [
    8, pytest.param(16, marks=pytest.mark.slow)])
@pytest.mark.parametrize('name', ['tdn', 'gtdnet-stdm-map'])
def test_backbone_traces_whole(name, segments, monkeypatch):
    """Eval, fused for an AVX2 and an AVX-512 CPU (their speed forms
    differ), and a training forward with autograd (what compile's
    AOTAutograd traces for the backward): one graph each."""
    model = build(name, segments)
    x = torch.randn(model.frames_per_view, 3, 32, 32)
    model.train()
    assert graph_breaks(model, x) == []
    with torch.no_grad():
        assert graph_breaks(model.eval(), x) == []
        for capability in ('AVX2', 'AVX512'):
            fused = fuse_for_inference(model, capability=capability)
            assert graph_breaks(fused, x) == [], capability


def test_gtdnet_default_traces_whole():
    model = build('gtdnet', 8)
    x = torch.randn(8, 3, 32, 32)
    assert graph_breaks(model.train(), x) == []
    with torch.no_grad():
        assert graph_breaks(fuse_for_inference(model), x) == []


@pytest.mark.parametrize('name', ['tdn', 'gtdnet-stdm-map'])
def test_recognizer_traces_whole(name):
    """Whole recognizers, data preprocessor applied: scores and the
    classification loss in training, scores in eval, one graph each. (Their
    ``mode='loss'`` also computes the head's top-k accuracy, which
    MMAction2 does in NumPy: a break for its TSM too.)"""
    register_all_modules(init_default_scope=True)
    model = MODELS.build(dict(
        type='TDNRecognizer',
        backbone=dict(BACKBONES[name], depth=18, num_segments=4,
                      pretrained=None),
        cls_head=dict(type='TSMHead', num_classes=5, in_channels=512,
                      num_segments=4),
        data_preprocessor=dict(type='ActionDataPreprocessor',
                               mean=[1., 2., 3.], std=[1., 1., 1.],
                               format_shape='NCHW')))
    frames = model.frames_per_view
    data = model.data_preprocessor(dict(
        inputs=[torch.randint(0, 255, (frames, 3, 32, 32), dtype=torch.uint8)
                for _ in range(2)],
        data_samples=[ActionDataSample().set_gt_label(i)
                      for i in range(2)]), True)
    labels = torch.arange(2)

    def loss(inputs):
        feats, kwargs = model.extract_feat(inputs)
        scores = model.cls_head(feats, **kwargs)
        return model.cls_head.loss_cls(scores, labels)

    assert graph_breaks(loss, data['inputs']) == []
    with torch.no_grad():
        assert graph_breaks(
            lambda x: model.eval().extract_feat(x, stage='head',
                                                test_mode=True)[0],
            data['inputs']) == []


def test_compile_forms_are_the_same_function(monkeypatch, randomise):
    """What the modules run while compiling, run eagerly (float64):
    the temporal conv's rolled products, the fused L-TDM's copied writes,
    the S-TDM's pooled differences, with gradients where they train."""
    from tdn_plugin.models.common import (
        LongTermTDM,
        TemporalConvShift,
        compiling,
    )
    from tdn_plugin.models.common.short_term_tdm import pooled_differences
    torch.manual_seed(0)
    conv = randomise(TemporalConvShift(16, 4)).double()
    x = torch.randn(8, 16, 5, 3, dtype=torch.float64, requires_grad=True)
    plain = conv(x)
    plain_grads = torch.autograd.grad(plain.square().sum(), [x, conv.weight])
    ltdm = randomise(LongTermTDM(32, 4, reduction=4)).double().eval()
    fused_ltdm = fuse_for_inference(ltdm)
    y = torch.randn(8, 32, 6, 5, dtype=torch.float64)
    segments = torch.randn(8, 5, 3, 15, 16, dtype=torch.float64)
    with torch.no_grad():
        plain_ltdm, plain_diff = ltdm(y), pooled_differences(segments)
    monkeypatch.setattr(compiling.torch.compiler, 'is_compiling',
                        lambda: True)
    torch.testing.assert_close(conv(x), plain, rtol=0, atol=1e-14)
    with torch.no_grad():
        torch.testing.assert_close(fuse_for_inference(conv)(x), plain,
                                   rtol=0, atol=1e-14)
    grads = torch.autograd.grad(conv(x).square().sum(), [x, conv.weight])
    for grad, plain_grad in zip(grads, plain_grads):
        torch.testing.assert_close(grad, plain_grad, rtol=1e-13, atol=1e-12)
    with torch.no_grad():
        torch.testing.assert_close(fused_ltdm(y), plain_ltdm, rtol=0,
                                   atol=1e-13)
        diff = pooled_differences(segments)
    torch.testing.assert_close(diff, plain_diff, rtol=0, atol=1e-14)
    assert diff.is_contiguous(memory_format=torch.channels_last)


@pytest.mark.slow
@pytest.mark.inductor
def test_inductor_matches_eager_in_fp32(randomise):
    """torch.compile with inductor (the system's C++ compiler) on a tiny
    TDN: eval outputs, and the training loss and gradients, within fp32
    round-off of eager."""
    register_all_modules(init_default_scope=True)
    torch.manual_seed(0)
    model = randomise(build('tdn', 4))
    x = torch.randn(2 * model.frames_per_view, 3, 32, 32)
    compiled = torch.compile(model)
    params = [p for p in model.parameters() if p.requires_grad]
    dynamo.reset()
    with torch.no_grad():
        eager = model.eval()(x)
        torch.testing.assert_close(compiled(x), eager, rtol=1e-4,
                                   atol=1e-4 * eager.abs().max().item())
    model.train()
    grads = {}
    for name, fn in (('compiled', compiled), ('eager', model)):
        loss = fn(x).square().mean()
        grads[name] = (loss, *torch.autograd.grad(loss, params))
    # against the largest gradient: some are 0 but for round-off (a BN's
    # bias before the next training-mode BN), their ratios meaningless
    scale = max(g.abs().max().item() for g in grads['eager'][1:])
    torch.testing.assert_close(grads['compiled'][0], grads['eager'][0],
                               rtol=1e-4, atol=0)
    for got, want in zip(grads['compiled'][1:], grads['eager'][1:]):
        torch.testing.assert_close(got, want, rtol=1e-3, atol=1e-4 * scale)
    dynamo.reset()
