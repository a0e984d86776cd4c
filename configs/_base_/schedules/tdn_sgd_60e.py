# TDN's Something-Something recipe (release): SGD lr 0.01 for a batch of 64
# (8 GPUs x 8), momentum 0.9, weight decay 5e-4 on every parameter (no
# fc_lr5, no bias/BN special case), grad-norm clip 20, no warm-up,
# lr x0.1 at epochs 30, 45, 55.
# every recipe skips unreadable videos (see ../bad_videos.py)
_base_ = ['../bad_videos.py']

train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=60, val_begin=1, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

param_scheduler = [
    dict(
        type='MultiStepLR',
        begin=0,
        end=60,
        by_epoch=True,
        milestones=[30, 45, 55],
        gamma=0.1)
]

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4),
    clip_grad=dict(max_norm=20, norm_type=2))

auto_scale_lr = dict(enable=False, base_batch_size=64)
