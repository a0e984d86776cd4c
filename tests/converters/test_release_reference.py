"""Tests of the re-created release model (``release_reference``).

They check the reference against spec/tdn-official.md (sections 1-6), so
that the converter round-trip test can trust it.  Sizes are kept small
(64x64 / 96x96 inputs, batch 1-2) to stay fast on 2 CPU cores.
"""
import copy

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from release_reference import (
    RELEASE_KEY_COUNTS,
    STAGE_BLOCKS,
    ReleaseMSE,
    ReleaseShift,
    ReleaseTDN,
    fusion_weights,
    load_release_checkpoint,
    random_release_checkpoint,
    randomize_,
    release_state_dict_keys,
    release_to_model_state_dict,
)

NUM_CLASSES = 7


@pytest.fixture(scope='module', autouse=True)
def _one_thread():
    """One intra-op thread for this module: these tensors are small, and on
    a shared 2-core machine spinning OpenMP workers made the forwards ~30x
    slower.  Restored afterwards."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(scope='module')
def r50_ckpt():
    return random_release_checkpoint(50, NUM_CLASSES, seed=0)


@pytest.fixture(scope='module')
def fresh_r50():
    """A freshly built (release-initialised) R50, T=8; do not modify."""
    return ReleaseTDN(NUM_CLASSES, depth=50)


@pytest.fixture(scope='module')
def r50(r50_ckpt):
    """R50, T=8, random checkpoint loaded, eval mode, dropout 0.  Shared:
    tests that change it (train mode, weights) work on a deepcopy."""
    return _model(r50_ckpt)


def _model(ckpt, num_segments=8, depth=50, dropout=0.0):
    model = ReleaseTDN(NUM_CLASSES, num_segments=num_segments, depth=depth,
                       dropout=dropout)
    return load_release_checkpoint(model, ckpt).eval()


# --------------------------------------------------------------------------
# checkpoint layout (spec section 6)
# --------------------------------------------------------------------------
@pytest.mark.parametrize('depth', [50, 101])
def test_key_layout_matches_spec(depth, fresh_r50):
    keys = release_state_dict_keys(depth)
    assert len(keys) == RELEASE_KEY_COUNTS[depth] == {50: 789,
                                                      101: 1588}[depth]
    assert len(set(keys)) == len(keys)
    model = fresh_r50 if depth == 50 else ReleaseTDN(NUM_CLASSES, depth=101)
    assert ['module.' + k for k in model.state_dict()] == keys
    legacy = release_state_dict_keys(depth, legacy=True)
    assert len(legacy) == len(keys) + 2
    assert 'module.base_model.conv1_temp1.weight' in legacy
    assert 'module.base_model.classifier.bias' in legacy
    assert not any(k.startswith('module.new_fc') for k in legacy)
    n_tdm = sum(STAGE_BLOCKS[depth][1:])
    assert sum(k.endswith('.shift.conv.weight') for k in keys) == n_tdm
    assert sum(k.endswith('.mse.conv1.weight') for k in keys) == n_tdm


def test_key_shapes_follow_spec(fresh_r50):
    sd = fresh_r50.state_dict()
    assert sd['base_model.conv1_5.0.weight'].shape == (64, 12, 7, 7)
    assert 'base_model.conv1_5.0.bias' not in sd
    assert sd['base_model.conv1_temp.weight'].shape == (64, 3, 7, 7)
    assert sd['base_model.conv1.bias'].shape == (64,)
    assert sd['new_fc.weight'].shape == (NUM_CLASSES, 2048)
    widths = {2: 128, 3: 256, 4: 512}
    for key, value in sd.items():
        if '.mse.conv' not in key and '.shift.' not in key:
            continue
        c = widths[int(key.split('.layer')[1][0])]
        r = c // 16
        expected = {
            'mse.conv1.weight': (r, c, 1, 1),
            'mse.conv2.weight': (r, 1, 3, 3),
            'mse.conv3.weight': (c, r, 1, 1),
            'mse.conv3_smallscale2.weight': (r, r, 3, 3),
            'mse.conv3_smallscale4.weight': (r, r, 3, 3),
            'shift.conv.weight': (c, 1, 3),
        }
        tail = key.split('.', 3)[3]
        assert value.shape == expected[tail], key
    # every ResNet conv (not the L-TDM / S-TDM / temporal ones) has a bias
    for name, m in fresh_r50.named_modules():
        if isinstance(m, nn.Conv2d):
            plain = '.mse.' not in name and 'conv1_5' not in name
            assert (m.bias is not None) == plain, name


def test_random_checkpoint_layout_and_values(r50_ckpt):
    assert set(r50_ckpt) == {'epoch', 'arch', 'best_prec1', 'state_dict'}
    sd = r50_ckpt['state_dict']
    assert list(sd) == release_state_dict_keys(50)
    for key, v in sd.items():
        if key.endswith('num_batches_tracked'):
            assert v.dtype == torch.int64 and v.item() > 0
        elif '.bn' in key or 'downsample.1' in key or 'conv1_5.1' in key:
            if key.endswith(('.weight', '.running_var')):
                assert 0.5 <= v.min() and v.max() <= 1.5, key
        elif key.endswith('.bias'):
            assert v.abs().min() >= 0.05, key  # conv/fc biases nonzero
    legacy = random_release_checkpoint(50, NUM_CLASSES, seed=0, legacy=True)
    lsd = legacy['state_dict']
    assert list(lsd) == release_state_dict_keys(50, legacy=True)
    assert torch.equal(lsd['module.base_model.conv1_temp1.weight'],
                       lsd['module.base_model.conv1_temp.weight'])
    # the loader maps the legacy spelling onto the same model entries
    mapped, plain = (release_to_model_state_dict(lsd),
                     release_to_model_state_dict(sd))
    assert list(mapped) == list(plain)
    assert all(torch.equal(mapped[k], plain[k]) for k in plain)


# --------------------------------------------------------------------------
# forward (spec sections 1-3)
# --------------------------------------------------------------------------
def test_fusion_constants():
    assert fusion_weights(8) == (0.5, 0.5)
    assert fusion_weights(16) == (0.75, 0.25)
    assert ReleaseTDN(2, num_segments=16).base_model.apha == 0.75


def test_forward_t8_shapes_layout_and_inputs(r50):
    torch.manual_seed(0)
    model = r50
    x = torch.randn(2, 8 * 15, 64, 64)
    seen = {}
    base = model.base_model
    hooks = [
        base.conv1.register_forward_hook(
            lambda m, i, o: seen.__setitem__('rgb', i[0])),
        base.conv1_5[0].register_forward_hook(
            lambda m, i, o: seen.__setitem__('diff', i[0])),
    ]
    with torch.no_grad():
        out = model(x)
        rgb, diff = seen['rgb'], seen['diff']
        out2 = model(x.view(16, 15, 64, 64))
        feats = model.backbone_features(x)
    for h in hooks:
        h.remove()
    assert out.shape == (2, NUM_CLASSES)
    assert torch.isfinite(out).all() and out.abs().max() > 1e-3
    assert torch.equal(out, out2)
    assert feats.shape == (16, 2048, 2, 2)
    # channel index (t*5 + k)*3 + c; the RGB stem sees f2 only
    frames = x.view(2, 8, 5, 3, 64, 64)
    assert torch.equal(rgb, frames[:, :, 2].reshape(16, 3, 64, 64))
    # S-TDM: consecutive differences f1-f0 .. f4-f3, avg-pooled 2x2
    d = torch.cat([frames[:, :, k + 1] - frames[:, :, k] for k in range(4)],
                  dim=2).reshape(16, 12, 64, 64)
    assert torch.allclose(diff, F.avg_pool2d(d, 2), atol=1e-6)
    # logits = mean over segments of new_fc(pooled features)
    with torch.no_grad():
        per_seg = model.new_fc(feats.mean(dim=(2, 3))).view(2, 8, -1)
    assert torch.allclose(out, per_seg.mean(1), atol=1e-5)


def test_forward_t16_and_train_mode(r50_ckpt):
    torch.manual_seed(0)
    model = _model(r50_ckpt, num_segments=16)
    assert model.base_model.apha == 0.75
    x = torch.randn(1, 16 * 15, 64, 64)
    with torch.no_grad():
        out = model(x)
        model.train()
        out_train = model(x)
    for o in (out, out_train):
        assert o.shape == (1, NUM_CLASSES)
        assert torch.isfinite(o).all() and o.abs().max() > 1e-3
    assert not torch.allclose(out, out_train)


@pytest.mark.parametrize('mode', ['eval', 'train'])
def test_random_checkpoint_activations_sane(r50, mode):
    """96x96: layer4 runs at 3x3 (odd); activations finite, not blown up."""
    torch.manual_seed(1)
    model = r50 if mode == 'eval' else copy.deepcopy(r50).train()
    x = torch.randn(1, 8 * 15, 96, 96)
    with torch.no_grad():
        feats = model.backbone_features(x)
        out = model(x)
    assert feats.shape == (8, 2048, 3, 3)
    assert torch.isfinite(feats).all() and torch.isfinite(out).all()
    assert 0.1 < feats.std() < 100
    assert 0.01 < out.std() < 100


def test_forward_at_sizes_that_are_not_multiples_of_32(r50):
    """100x68: the S-TDM maps (13x9) are not half the main path's (25x17),
    so the fusions must resize to the main path's size (spec 3), and the
    L-TDM pools odd maps (e.g. 7x7 -> 3x3) and resizes back (spec 4)."""
    torch.manual_seed(5)
    sizes = {}
    hooks = [r50.base_model.maxpool_diff.register_forward_hook(
        lambda m, i, o: sizes.__setitem__('diff', tuple(o.shape[2:]))),
        r50.base_model.maxpool.register_forward_hook(
        lambda m, i, o: sizes.__setitem__('main', tuple(o.shape[2:])))]
    with torch.no_grad():
        feats = r50.backbone_features(torch.randn(1, 8 * 15, 100, 68))
    for h in hooks:
        h.remove()
    assert sizes == {'diff': (13, 9), 'main': (25, 17)}
    assert feats.shape == (8, 2048, 4, 3)
    assert torch.isfinite(feats).all()


def test_random_checkpoint_catches_converter_slips(r50):
    """The random values make typical conversion slips visible at the
    converter test's 1e-4 relative tolerance (eval mode): dropping the conv
    biases, or reversing the temporal kernels."""
    torch.manual_seed(6)
    x = torch.randn(1, 8 * 15, 64, 64)

    def rel_change(mutate):
        model = copy.deepcopy(r50)
        with torch.no_grad():
            ref = model(x)
            for name, m in model.named_modules():
                mutate(name, m)
            return ((model(x) - ref).norm() / ref.norm()).item()

    def no_bias(name, m):
        if isinstance(m, nn.Conv2d) and m.bias is not None:
            m.bias.zero_()

    def flip_time(name, m):
        if isinstance(m, nn.Conv1d):
            m.weight.copy_(m.weight.flip(-1))

    # both well above the round-trip test's 1e-4 relative tolerance
    assert rel_change(no_bias) > 1e-2
    assert rel_change(flip_time) > 1e-3


def test_conv1_temp_is_unused(r50):
    torch.manual_seed(3)
    model = copy.deepcopy(r50)
    x = torch.randn(1, 8 * 15, 64, 64)
    with torch.no_grad():
        ref = model(x)
        model.base_model.conv1_temp.weight.mul_(-7.0).add_(3.0)
        model.base_model.conv1_temp.bias.fill_(1e3)
        assert torch.equal(model(x), ref)


def test_r101_shapes():
    ckpt = random_release_checkpoint(101, NUM_CLASSES, seed=1)
    assert len(ckpt['state_dict']) == 1588
    model = _model(ckpt, depth=101)
    assert len(model.base_model.layer3_bak) == 23
    torch.manual_seed(4)
    with torch.no_grad():
        out = model(torch.randn(1, 8 * 15, 64, 64))
    assert out.shape == (1, NUM_CLASSES) and torch.isfinite(out).all()


# --------------------------------------------------------------------------
# temporal 1-D conv (spec section 5)
# --------------------------------------------------------------------------
def test_shift_init_pattern(fresh_r50):
    n = 0
    for name, m in fresh_r50.named_modules():
        if isinstance(m, ReleaseShift):
            w = m.conv.weight
            c = w.shape[0]
            fold = c // 8
            assert m.conv.groups == c and m.conv.bias is None
            assert m.conv.padding == (1,)
            assert torch.equal(w[:fold, 0], torch.tensor([0., 0., 1.]).expand(
                fold, 3))
            assert torch.equal(w[fold:2 * fold, 0],
                               torch.tensor([1., 0., 0.]).expand(fold, 3))
            assert torch.equal(w[2 * fold:, 0], torch.tensor(
                [0., 1., 0.]).expand(c - 2 * fold, 3))
            n += 1
    assert n == 13

    # behaviour: channels [0, fold) read t+1, [fold, 2 fold) read t-1
    shift = ReleaseShift(16, n_segment=4)
    x = torch.randn(2 * 4, 16, 3, 3)
    out = shift(x).view(2, 4, 16, 3, 3)
    xv = x.view(2, 4, 16, 3, 3)
    assert torch.equal(out[:, :3, :2], xv[:, 1:, :2])
    assert (out[:, 3, :2] == 0).all()
    assert torch.equal(out[:, 1:, 2:4], xv[:, :3, 2:4])
    assert (out[:, 0, 2:4] == 0).all()
    assert torch.equal(out[:, :, 4:], xv[:, :, 4:])


# --------------------------------------------------------------------------
# L-TDM (spec section 4)
# --------------------------------------------------------------------------
def _ltdm_formula(m, x, t, training):
    """Spec section 4 written compactly with functional ops (independent of
    ``ReleaseMSE.forward``); ``m`` supplies the weights (and, in training,
    gets its running statistics updated)."""
    def bn(b, z):
        return F.batch_norm(z, b.running_mean, b.running_var, b.weight,
                            b.bias, training, b.momentum, b.eps)

    b = bn(m.bn1, F.conv2d(x, m.conv1.weight))
    cb = F.conv2d(b, m.conv2.weight, padding=1, groups=b.shape[1])
    b5 = b.view((-1, t) + b.shape[1:])
    cb5 = cb.view((-1, t) + cb.shape[1:])
    zero = torch.zeros_like(b5[:, :1])
    d_f = torch.cat([cb5[:, 1:] - b5[:, :-1], zero], 1).flatten(0, 1)
    d_b = torch.cat([zero, cb5[:, :-1] - b5[:, 1:]], 1).flatten(0, 1)

    def gate_logits(d):
        s2 = bn(m.bn3_smallscale2,
                F.conv2d(F.avg_pool2d(d, 2), m.conv3_smallscale2.weight,
                         padding=1))
        s2 = F.interpolate(s2, size=d.shape[-2:], mode='nearest')
        s3 = bn(m.bn3_smallscale4,
                F.conv2d(d, m.conv3_smallscale4.weight, padding=1))
        return bn(m.bn3, F.conv2d((d + s2 + s3) / 3, m.conv3.weight))

    a_f = gate_logits(d_f)  # every BN: forward direction first ...
    a_b = gate_logits(d_b)  # ... then the backward direction
    y = 0.5 * (torch.sigmoid(a_f) - 0.5) + 0.5 * (torch.sigmoid(a_b) - 0.5)
    return x + x * y


@pytest.mark.parametrize('training', [False, True])
def test_ltdm_matches_spec_formula_at_odd_size(training):
    t = 8
    mse = randomize_(ReleaseMSE(64, n_segment=t), seed=5)
    formula_mse = copy.deepcopy(mse)
    mse.train(training)
    x = torch.randn(2 * t, 64, 7, 7, generator=torch.Generator().manual_seed(
        6)).relu()
    with torch.no_grad():
        out = mse(x)
        expected = _ltdm_formula(formula_mse, x, t, training)
    assert torch.allclose(out, expected, rtol=1e-5, atol=1e-5)
    assert (out - x).abs().max() > 1e-2  # the gate is not negligible
    # running statistics: each BN updated twice, forward then backward
    for name in ('bn1', 'bn3', 'bn3_smallscale2', 'bn3_smallscale4'):
        a, b = getattr(mse, name), getattr(formula_mse, name)
        assert torch.allclose(a.running_mean, b.running_mean, atol=1e-6)
        assert torch.allclose(a.running_var, b.running_var, atol=1e-6)
    if training:
        assert mse.bn3.num_batches_tracked.item() == (
            formula_mse.bn3.num_batches_tracked.item() + 2)
        assert mse.bn1.num_batches_tracked.item() == (
            formula_mse.bn1.num_batches_tracked.item() + 1)


def test_ltdm_is_bidirectional():
    """Eval mode: segment s's input reaches exactly segments s-1 (forward
    difference), s and s+1 (backward difference) of the L-TDM output."""
    t = 8
    mse = randomize_(ReleaseMSE(64, n_segment=t), seed=7).eval()
    gen = torch.Generator().manual_seed(8)
    x = torch.randn(2 * t, 64, 5, 5, generator=gen).relu()
    with torch.no_grad():
        ref = mse(x).view(2, t, 64, 5, 5)
        for s in (0, 3, t - 1):
            xp = x.clone().view(2, t, 64, 5, 5)
            xp[0, s] += torch.randn(64, 5, 5, generator=gen)
            out = mse(xp.view(2 * t, 64, 5, 5)).view(2, t, 64, 5, 5)
            changed = {i for i in range(t)
                       if not torch.allclose(out[0, i], ref[0, i])}
            assert changed == {i for i in (s - 1, s, s + 1) if 0 <= i < t}
            assert torch.equal(out[1], ref[1])  # other clip untouched


def test_backward_s3_bug_flag_changes_output():
    t = 8
    mse = randomize_(ReleaseMSE(64, n_segment=t), seed=9).eval()
    buggy = copy.deepcopy(mse)
    buggy.backward_s3_bug = True
    x = torch.randn(2 * t, 64, 6, 6, generator=torch.Generator().manual_seed(
        10)).relu()
    with torch.no_grad():
        assert not torch.allclose(mse(x), buggy(x))
