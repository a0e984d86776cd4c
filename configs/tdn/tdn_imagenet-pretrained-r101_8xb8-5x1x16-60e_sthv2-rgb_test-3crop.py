_base_ = ['./tdn_imagenet-pretrained-r101_8xb8-5x1x16-60e_sthv2-rgb.py']

# The release's 3-crop Something-Something test: 1 clip x three 256x256
# crops of the short-side-256 frames (3 views, softmax scores averaged).
# Training and validation are those of the base config.
test_pipeline = [
    dict(type='ThreeCrop', crop_size=256) if t.type == 'CenterCrop' else t
    for t in _base_.test_pipeline
]
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
