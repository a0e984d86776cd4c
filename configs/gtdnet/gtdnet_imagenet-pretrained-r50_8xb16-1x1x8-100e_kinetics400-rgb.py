_base_ = [
    '../_base_/models/gtdnet_r50.py', '../_base_/schedules/tdn_sgd_100e.py',
    'mmaction::_base_/default_runtime.py'
]

custom_imports = dict(imports=['tdn_plugin'], allow_failed_imports=False)

# Optimizer: MMAction2's default constructor (one lr / weight decay for every
# parameter, the GTDMs' included), as in TDN's recipe; not TSM's constructor.
num_segments = 8
model = dict(
    backbone=dict(num_segments=num_segments),
    cls_head=dict(num_classes=400, num_segments=num_segments))

# MMAction2's data preparation (tools/data/kinetics): videos + lists
dataset_type = 'VideoDataset'
data_root = 'data/kinetics400/videos_train'
data_root_val = 'data/kinetics400/videos_val'
ann_file_train = 'data/kinetics400/kinetics400_train_list_videos.txt'
ann_file_val = 'data/kinetics400/kinetics400_val_list_videos.txt'
ann_file_test = 'data/kinetics400/kinetics400_val_list_videos.txt'

file_client_args = dict(io_backend='disk')
# TSN sampling: one frame per segment, random within each segment
train_pipeline = [
    dict(type='DecordInit', **file_client_args),
    dict(
        type='SampleFrames',
        clip_len=1,
        frame_interval=1,
        num_clips=num_segments),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(
        type='MultiScaleCrop',
        input_size=224,
        scales=(1, 0.875, 0.75, 0.66),
        random_crop=False,
        max_wh_scale_gap=1,
        num_fixed_crops=13),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
# validation during training: 1 clip (segment centres) x centre crop 224
val_pipeline = [
    dict(type='DecordInit', **file_client_args),
    dict(
        type='SampleFrames',
        clip_len=1,
        frame_interval=1,
        num_clips=num_segments,
        test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
# test: 10 clips x three 256x256 crops = 30 views, softmax scores averaged
# (the head's average_clips='prob'). A view is T = 8 frames spread over the
# whole video, one per segment; clip i takes frame int(tick * (t + (i + 0.5)
# / 10)) of segment t (tick = frames / 8), so the 10 clips are 10 distinct
# TSN samplings. MMAction2's SampleFrames(num_clips=80, test_mode=True) would
# instead make each 8-frame view cover a tenth of the video, and
# SampleFrames(num_clips=8, test_mode=True) x ThreeCrop gives 1 clip only.
# TDNSampleFrames with frames_per_segment=1 is exactly the 10-clip sampler.
test_pipeline = [
    dict(type='DecordInit', **file_client_args),
    dict(
        type='TDNSampleFrames',
        num_segments=num_segments,
        frames_per_segment=1,
        num_clips=10,
        test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='ThreeCrop', crop_size=256),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]

train_dataloader = dict(
    batch_size=16,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_train,
        data_prefix=dict(video=data_root),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_val,
        data_prefix=dict(video=data_root_val),
        pipeline=val_pipeline,
        test_mode=True))
test_dataloader = dict(
    batch_size=1,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_test,
        data_prefix=dict(video=data_root_val),
        pipeline=test_pipeline,
        test_mode=True))

val_evaluator = dict(type='AccMetric')
test_evaluator = val_evaluator

default_hooks = dict(checkpoint=dict(interval=5, max_keep_ckpts=3))
