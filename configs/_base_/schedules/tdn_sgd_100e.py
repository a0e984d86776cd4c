# TDN's Kinetics-400 recipe (release): SGD lr 0.02 for a batch of 128
# (8 GPUs x 16), momentum 0.9, weight decay 1e-4 on every parameter,
# grad-norm clip 20, no warm-up, lr x0.1 at epochs 50, 75, 90.
# every recipe skips unreadable videos (see ../bad_videos.py)
_base_ = ['../bad_videos.py']

train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=100, val_begin=1, val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

param_scheduler = [
    dict(
        type='MultiStepLR',
        begin=0,
        end=100,
        by_epoch=True,
        milestones=[50, 75, 90],
        gamma=0.1)
]

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=1e-4),
    clip_grad=dict(max_norm=20, norm_type=2))

auto_scale_lr = dict(enable=False, base_batch_size=128)
