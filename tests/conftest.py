"""Shared fixtures: tiny generated videos and a tiny TDN config for runs of
mmengine's Runner on CPU."""
import os
import os.path as osp
import textwrap

import numpy as np
import pytest

import tdn_plugin  # noqa: F401  (first: repairs the PyPI mmaction2 stack)
from tdn_plugin.utils.video_io import write_video

# One thread per process: the suite runs on 2 cores, and its subprocesses
# (torchrun, MMAction2's tools) would otherwise oversubscribe them.
os.environ.setdefault('OMP_NUM_THREADS', '1')
os.environ.setdefault('MKL_NUM_THREADS', '1')
__import__("torch").set_num_threads(1)


def moving_square(num_frames: int, size: int, direction: int,
                  rng: np.random.Generator) -> np.ndarray:
    """A square moving left (direction -1) or right (+1) on noise."""
    frames = rng.integers(0, 60, (num_frames, size, size, 3), dtype=np.uint8)
    side = size // 4
    y = int(rng.integers(0, size - side))
    for t in range(num_frames):
        x = int((t / max(num_frames - 1, 1)) * (size - side))
        if direction < 0:
            x = size - side - x
        frames[t, y:y + side, x:x + side] = (220, 180, 40)
    return frames


@pytest.fixture(scope='session')
def tiny_videos(tmp_path_factory):
    """8 videos (2 classes: square moving left / right), 32x32, 20 frames,
    and a list file in MMAction2's VideoDataset format."""
    root = tmp_path_factory.mktemp('tiny_videos')
    rng = np.random.default_rng(0)
    lines = []
    for i in range(8):
        label = i % 2
        name = f'{i:03d}.mp4'
        write_video(
            str(root / name),
            moving_square(20, 32, 1 if label else -1, rng))
        lines.append(f'{name} {label}')
    (root / 'list.txt').write_text('\n'.join(lines) + '\n')
    return root


TINY_CONFIG = '''
custom_imports = dict(imports=['tdn_plugin'], allow_failed_imports=False)
_base_ = ['mmaction::_base_/default_runtime.py']
model = dict(
    type='TDNRecognizer',
    backbone=dict(type='ResNetTDN', depth=18, num_segments=4,
                  frames_per_segment=5, pretrained=None),
    cls_head=dict(type='TSMHead', num_classes=2, in_channels=512,
                  num_segments=4, is_shift=True, dropout_ratio=0.0,
                  average_clips='prob'),
    data_preprocessor=dict(type='ActionDataPreprocessor',
                           mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], format_shape='NCHW'))
data_root = '{root}'
train_pipeline = [
    dict(type='DecordInit'),
    dict(type='TDNSampleFrames', num_segments=4),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(32, 32), keep_ratio=False),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')]
test_pipeline = [
    dict(type='DecordInit'),
    dict(type='TDNSampleFrames', num_segments=4, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(32, 32), keep_ratio=False),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')]
train_dataloader = dict(
    batch_size=4, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='VideoDataset', ann_file=data_root + '/list.txt',
                 data_prefix=dict(video=data_root), pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='VideoDataset', ann_file=data_root + '/list.txt',
                 data_prefix=dict(video=data_root), pipeline=test_pipeline,
                 test_mode=True))
test_dataloader = val_dataloader
val_evaluator = dict(type='AccMetric')
test_evaluator = val_evaluator
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=2, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9,
                                    weight_decay=1e-4),
                     clip_grad=dict(max_norm=20))
param_scheduler = [dict(type='MultiStepLR', begin=0, end=2, by_epoch=True,
                        milestones=[1], gamma=0.1)]
default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=3),
                     logger=dict(interval=1))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0)
'''


@pytest.fixture(scope='session')
def tiny_config(tiny_videos, tmp_path_factory):
    """Path of a tiny TDN-R18 (T=4) config over ``tiny_videos``."""
    path = tmp_path_factory.mktemp('configs') / 'tdn_tiny.py'
    path.write_text(textwrap.dedent(TINY_CONFIG).replace(
        '{root}', str(tiny_videos)))
    return str(path)


@pytest.fixture(scope='session')
def trained_run(tiny_config, tmp_path_factory):
    """A 2-epoch run of the tiny config with `tdn train`; its work dir."""
    from tdn_plugin.cli.main import main
    work_dir = tmp_path_factory.mktemp('tiny_run')
    assert main(['train', tiny_config, '--work-dir', str(work_dir)]) == 0
    assert osp.isfile(work_dir / 'epoch_2.pth')
    return work_dir
