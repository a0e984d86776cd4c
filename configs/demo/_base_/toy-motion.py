# Shared by the `tdn demo` models (configs/demo/*_toy-motion.py): data,
# input size, segments, depth, augmentation, schedule and runtime, so that
# TDN, TSN and TSM differ only in their model and frame sampler.
#
# Sized for a laptop CPU and the toy motion set (600 train / 200 val videos
# of 64x64, 24-40 frames; the measured time is in configs/demo/README.md):
# ResNet-18 (all 4 stages: MMAction2's ResNetTSM needs them) from scratch,
# 64x64 inputs, T = 4 segments, 10 epochs of batch 16, AdamW with warm-up
# and cosine decay. The toy classes come in time-reversed pairs (moving
# right / left, stripes drifting right / left, ...): no horizontal flip (it
# would swap left and right) and no augmentation that changes the order of
# frames.
# unreadable videos are skipped (train) and counted (val/test): see
# configs/_base_/bad_videos.py
_base_ = [
    'mmaction::_base_/default_runtime.py', '../../_base_/bad_videos.py'
]

custom_imports = dict(imports=['tdn_plugin'], allow_failed_imports=False)

num_segments = 4  # T: frames (TSN, TSM) or 5-frame segments (TDN) per clip
input_size = 64  # frames go to the network at input_size x input_size
max_epochs = 10

# the toy set, relative to the working directory (`tdn demo` makes it;
# `tdn make-toy-data data/toy-motion` too)
dataset_type = 'VideoDataset'
data_root = 'data/toy-motion'
ann_file_train = f'{data_root}/train.txt'
ann_file_val = f'{data_root}/val.txt'
video_root = f'{data_root}/videos'

# depth and head shared by the three models. The number of classes is set
# here only: --cfg-options model.cls_head.num_classes=K changes it.
backbone_cfg = dict(depth=18, pretrained=None, norm_eval=False)
model = dict(
    cls_head=dict(
        num_classes=10,
        in_channels=512,
        dropout_ratio=0.3,
        init_std=0.01,
        average_clips='prob'),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCHW'))

# after decoding, for any video size and aspect: one random crop of 60-100%
# of the frame's area, aspect 3/4-4/3 (the same crop for all frames of the
# clip), resized to the input size; test: the whole frame resized to the
# input size
train_transforms = [
    dict(
        type='RandomResizedCrop',
        area_range=(0.6, 1.0),
        aspect_ratio_range=(3 / 4, 4 / 3)),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
test_transforms = [
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
# one frame from each of T equal segments (TSN sampling: random in train,
# centre in test), for TSN, TSM and GTDNet; TDN puts its own sampler
# (TDNSampleFrames, 5 consecutive frames per segment) in this place
train_pipeline = [
    dict(type='DecordInit'),
    dict(
        type='SampleFrames',
        clip_len=1,
        frame_interval=1,
        num_clips=num_segments),
    dict(type='DecordWalkDecode'),
    *train_transforms
]
val_pipeline = [
    dict(type='DecordInit'),
    dict(
        type='SampleFrames',
        clip_len=1,
        frame_interval=1,
        num_clips=num_segments,
        test_mode=True),
    dict(type='DecordWalkDecode'),
    *test_transforms
]
test_pipeline = val_pipeline

batch_size = 16
# decoding in the training process: the networks are small, so a 64x64
# clip decodes in a few ms, and a loader worker would only take CPU time
# from the training threads (`tdn demo` trains on all cores; on 2 cores a
# training step was faster without the worker). Raise it for bigger inputs
# or slow storage.
num_workers = 0
train_dataloader = dict(
    batch_size=batch_size,
    num_workers=num_workers,
    persistent_workers=num_workers > 0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_train,
        data_prefix=dict(video=video_root),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=batch_size,
    num_workers=num_workers,
    persistent_workers=num_workers > 0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_val,
        data_prefix=dict(video=video_root),
        pipeline=val_pipeline,
        test_mode=True))
test_dataloader = val_dataloader

val_evaluator = dict(type='AccMetric')
test_evaluator = val_evaluator

# validate once, at the end (the demo tests right after training)
train_cfg = dict(
    type='EpochBasedTrainLoop',
    max_epochs=max_epochs,
    val_begin=1,
    val_interval=max_epochs)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

# the same optimiser and schedule for every model: AdamW, one lr and weight
# decay for all parameters (MMAction2's default constructor), linear
# warm-up over the first epoch, then cosine decay to 1% per iteration
optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=2e-3, betas=(0.9, 0.999),
                   weight_decay=0.05),
    clip_grad=dict(max_norm=20, norm_type=2))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.05,
        by_epoch=True,
        begin=0,
        end=1,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs - 1,
        eta_min_ratio=0.01,
        by_epoch=True,
        begin=1,
        end=max_epochs,
        convert_to_iter_based=True)
]
auto_scale_lr = dict(enable=False, base_batch_size=batch_size)

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10, ignore_last=False),
    checkpoint=dict(
        type='CheckpointHook', interval=max_epochs, max_keep_ckpts=1,
        save_best=None))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0)
