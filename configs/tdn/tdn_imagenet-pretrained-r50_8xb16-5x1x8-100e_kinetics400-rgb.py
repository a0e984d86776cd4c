_base_ = [
    '../_base_/models/tdn_r50.py', '../_base_/schedules/tdn_sgd_100e.py',
    'mmaction::_base_/default_runtime.py'
]

custom_imports = dict(imports=['tdn_plugin'], allow_failed_imports=False)

num_segments = 8
model = dict(
    backbone=dict(num_segments=num_segments),
    cls_head=dict(num_classes=400, num_segments=num_segments),
    # views a test forward runs at most (whole views, 160 frames): a
    # 10x3 test in bounded memory, the same scores, also through
    # MMAction2's init_recognizer / inference_recognizer
    test_cfg=dict(max_testing_views=4))

# MMAction2's data preparation (tools/data/kinetics): videos + lists
dataset_type = 'VideoDataset'
data_root = 'data/kinetics400/videos_train'
data_root_val = 'data/kinetics400/videos_val'
ann_file_train = 'data/kinetics400/kinetics400_train_list_videos.txt'
ann_file_val = 'data/kinetics400/kinetics400_val_list_videos.txt'
ann_file_test = 'data/kinetics400/kinetics400_val_list_videos.txt'

file_client_args = dict(io_backend='disk')
train_pipeline = [
    dict(type='DecordInit', **file_client_args),
    dict(type='TDNSampleFrames', num_segments=num_segments),
    dict(type='DecordWalkDecode'),
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
# validation during training: 1 clip x centre crop 224
val_pipeline = [
    dict(type='DecordInit', **file_client_args),
    dict(type='TDNSampleFrames', num_segments=num_segments, test_mode=True),
    dict(type='DecordWalkDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
# test: 10 clips (deterministic, evenly spread) x three 256x256 crops =
# 30 views, softmax scores averaged (the head's average_clips='prob')
test_pipeline = [
    dict(type='DecordInit', **file_client_args),
    dict(
        type='TDNSampleFrames',
        num_segments=num_segments,
        num_clips=10,
        test_mode=True),
    dict(type='DecordWalkDecode'),
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
