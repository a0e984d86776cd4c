_base_ = [
    '../tdn/tdn_imagenet-pretrained-r50_8xb8-5x1x8-60e_sthv1-rgb.py',
    '../_base_/models/gtdnet_r50.py'
]

# GTDNet: the TDN config's data, recipe and test protocol, with the
# ResNetGTD backbone and one frame per segment. Training
# and single-clip testing sample like TSN (MMAction2's SampleFrames,
# clip_len=1); a multi-clip test (Kinetics: 10 clips x 3 crops) keeps
# TDNSampleFrames with frames_per_segment=1, i.e. 10 distinct, evenly spread
# TSN samplings of the whole video (SampleFrames(num_clips=80) would make each
# 8-frame view cover a tenth of the video instead).
model = dict(
    # Recognizer2D for T x F frames per view (F=1 here) that also runs
    # max_testing_views (MMAction2 1.2.0's calls backbone.get and fails)
    type='TDNRecognizer',
    backbone=dict(_delete_=True, **_base_.gtdnet_backbone),
    # whole views (8 frames) a test forward runs at most: 160 frames
    test_cfg=dict(max_testing_views=20))


train_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1,
         num_clips=t.num_segments)
    if t.type == 'TDNSampleFrames' else t for t in _base_.train_pipeline
]
val_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1,
         num_clips=t.num_segments, test_mode=True)
    if t.type == 'TDNSampleFrames' else t for t in _base_.val_pipeline
]
test_pipeline = [
    (dict(t, frames_per_segment=1) if t.get('num_clips', 1) > 1 else
     dict(type='SampleFrames', clip_len=1, frame_interval=1,
          num_clips=t.num_segments, test_mode=True))
    if t.type == 'TDNSampleFrames' else t for t in _base_.test_pipeline
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
