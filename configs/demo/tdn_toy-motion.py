# TDN (the plugin's TDNRecognizer + ResNetTDN + MMAction2's TSMHead) on the
# toy motion set: T segments of 5 consecutive frames; the short-term TDM
# adds the motion of each segment's frame differences to its centre frame,
# every block of res3-res5 gets a long-term TDM (differences of neighbouring
# segments' features) and a temporal conv.
# Data, input size, depth and schedule: _base_/toy-motion.py.
_base_ = ['./_base_/toy-motion.py']

frames_per_segment = 5
model = dict(
    type='TDNRecognizer',
    backbone=dict(
        type='ResNetTDN',
        num_segments=_base_.num_segments,
        frames_per_segment=frames_per_segment,
        ltdm_stages=(1, 2, 3),
        with_short_term_tdm=True,
        with_long_term_tdm=True,
        with_temporal_conv=True,
        **_base_.backbone_cfg),
    cls_head=dict(
        type='TSMHead',
        num_segments=_base_.num_segments,
        spatial_type='avg',
        consensus=dict(type='AvgConsensus', dim=1),
        is_shift=True))

# T segments of 5 consecutive frames (random segment starts in train,
# segment centres in test)
train_pipeline = [
    dict(type='DecordInit'),
    dict(
        type='TDNSampleFrames',
        num_segments=_base_.num_segments,
        frames_per_segment=frames_per_segment),
    dict(type='DecordWalkDecode'),
    *_base_.train_transforms
]
val_pipeline = [
    dict(type='DecordInit'),
    dict(
        type='TDNSampleFrames',
        num_segments=_base_.num_segments,
        frames_per_segment=frames_per_segment,
        test_mode=True),
    dict(type='DecordWalkDecode'),
    *_base_.test_transforms
]
test_pipeline = val_pipeline

train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
