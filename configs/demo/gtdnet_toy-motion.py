# GTDNet (MMAction2's Recognizer2D + the plugin's ResNetGTD + TSMHead) on the
# toy motion set: T frames; every res3-res5 block gets a global temporal
# difference module (clip-level vector minus each segment's, channel-wise
# attention, gate) and a learnable temporal shift (docs/gtdnet.md).
# Data, input size, depth and schedule: _base_/toy-motion.py.
_base_ = ['./_base_/toy-motion.py']

model = dict(
    type='Recognizer2D',
    backbone=dict(
        type='ResNetGTD',
        num_segments=_base_.num_segments,
        **_base_.backbone_cfg),
    cls_head=dict(
        type='TSMHead',
        num_segments=_base_.num_segments,
        spatial_type='avg',
        consensus=dict(type='AvgConsensus', dim=1),
        is_shift=True))

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
