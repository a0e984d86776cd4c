# The 3D CNNs of `tdn demo --all` (MMAction2's Recognizer3D, unchanged):
# the data, input size, depth, augmentation, schedule and runtime of
# toy-motion.py, with one clip of `clip_len` frames `frame_interval` apart
# (random start in train, centre in test) in the layout 3D CNNs take (N, C,
# T, H, W) instead of T segments of single frames.
_base_ = ['./toy-motion.py']

clip_len = 8
frame_interval = 4  # 8 frames 4 apart: most of a toy video (24-40 frames)

model = dict(
    type='Recognizer3D',
    cls_head=dict(spatial_type='avg'),
    data_preprocessor=dict(format_shape='NCTHW'))

train_pipeline = [
    dict(type='DecordInit'),
    dict(
        type='SampleFrames',
        clip_len=clip_len,
        frame_interval=frame_interval,
        num_clips=1),
    dict(type='DecordWalkDecode'),
    dict(
        type='RandomResizedCrop',
        area_range=(0.6, 1.0),
        aspect_ratio_range=(3 / 4, 4 / 3)),
    dict(
        type='Resize',
        scale=(_base_.input_size, _base_.input_size),
        keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
val_pipeline = [
    dict(type='DecordInit'),
    dict(
        type='SampleFrames',
        clip_len=clip_len,
        frame_interval=frame_interval,
        num_clips=1,
        test_mode=True),
    dict(type='DecordWalkDecode'),
    dict(
        type='Resize',
        scale=(_base_.input_size, _base_.input_size),
        keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
test_pipeline = val_pipeline

train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
