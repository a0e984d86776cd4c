"""The code paths that AMP and channels_last training use on CUDA,
exercised on CPU (bfloat16 autocast, channels-last tensors)."""
import argparse

import torch
from mmengine.config import Config

from tdn_plugin.cli.train import merge_args
from tdn_plugin.models.backbones import ResNetTDN


def model():
    torch.manual_seed(0)
    m = ResNetTDN(depth=18, num_segments=4)
    m.init_weights()
    return m


def test_channels_last_gives_the_same_function():
    m = model().eval()
    x = torch.randn(20, 3, 64, 64)
    with torch.no_grad():
        ref = m(x)
        m = m.to(memory_format=torch.channels_last)
        out = m(x.contiguous(memory_format=torch.channels_last))
    torch.testing.assert_close(out, ref, rtol=1e-4, atol=1e-4)


def test_channels_last_training_step():
    m = model().train().to(memory_format=torch.channels_last)
    x = torch.randn(20, 3, 64, 64).contiguous(
        memory_format=torch.channels_last)
    m(x).square().mean().backward()
    assert all(p.grad is not None for p in m.parameters())


def test_autocast_forward_and_backward():
    m = model().train()
    x = torch.randn(20, 3, 64, 64)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        y = m(x)
    assert y.dtype == torch.bfloat16
    y.float().square().mean().backward()
    assert all(torch.isfinite(p.grad).all() for p in m.parameters())


def test_amp_flag_selects_mmengine_amp_wrapper():
    cfg = Config(dict(optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
                      auto_scale_lr=dict(enable=False)))
    args = argparse.Namespace(
        config='x.py', work_dir='w', launcher='none', amp=True,
        auto_scale_lr=False, resume=None, seed=None, deterministic=False)
    cfg = merge_args(cfg, args)
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    assert cfg.optim_wrapper.loss_scale == 'dynamic'
