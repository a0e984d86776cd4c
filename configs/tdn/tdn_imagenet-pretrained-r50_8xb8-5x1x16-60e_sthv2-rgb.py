_base_ = ['./tdn_imagenet-pretrained-r50_8xb8-5x1x8-60e_sthv2-rgb.py']

# T = 16 segments: the same recipe, only num_segments changes (backbone,
# head and every TDNSampleFrames). mmengine replaces inherited lists, so the
# pipelines are rebuilt from the base ones through `_base_`.
num_segments = 16
model = dict(
    backbone=dict(num_segments=num_segments),
    cls_head=dict(num_segments=num_segments),
    # views a test forward runs at most (whole views, 160 frames): a
    # 10x3 test in bounded memory, the same scores, also through
    # MMAction2's init_recognizer / inference_recognizer
    test_cfg=dict(max_testing_views=2))

train_pipeline = [
    dict(t, num_segments=num_segments) if t.type == 'TDNSampleFrames' else t
    for t in _base_.train_pipeline
]
val_pipeline = [
    dict(t, num_segments=num_segments) if t.type == 'TDNSampleFrames' else t
    for t in _base_.val_pipeline
]
test_pipeline = [
    dict(t, num_segments=num_segments) if t.type == 'TDNSampleFrames' else t
    for t in _base_.test_pipeline
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
