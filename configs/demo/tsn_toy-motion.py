# TSN (MMAction2's Recognizer2D + ResNet + TSNHead, unchanged) on the toy
# motion set: the baseline that cannot see the order of its T frames (it
# averages their features), so it can tell a pair of time-reversed classes
# from the others but not which of the two it is (about 50% top-1).
# Data, input size, depth and schedule: _base_/toy-motion.py.
_base_ = ['./_base_/toy-motion.py']

model = dict(
    type='Recognizer2D',
    backbone=dict(type='ResNet', **_base_.backbone_cfg),
    cls_head=dict(
        type='TSNHead',
        spatial_type='avg',
        consensus=dict(type='AvgConsensus', dim=1)))

# T frames, one from each of T equal segments (random in train, centre in
# test)
train_pipeline = [
    dict(type='DecordInit'),
    dict(
        type='SampleFrames',
        clip_len=1,
        frame_interval=1,
        num_clips=_base_.num_segments),
    dict(type='DecordDecode'),
    *_base_.train_transforms
]
val_pipeline = [
    dict(type='DecordInit'),
    dict(
        type='SampleFrames',
        clip_len=1,
        frame_interval=1,
        num_clips=_base_.num_segments,
        test_mode=True),
    dict(type='DecordDecode'),
    *_base_.test_transforms
]
test_pipeline = val_pipeline

train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
