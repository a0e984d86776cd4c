_base_ = ['./tdn_imagenet-pretrained-r50_8xb16-5x1x16-100e_kinetics400-rgb.py']

# Fine-tuning a Kinetics-400 TDN-R50 (T=16) on UCF101, split 1, as in the
# paper's transfer experiment: the Kinetics pipelines (flip p=0.5, test 10
# clips x 3 crops), dropout 0.8, lr 0.002 for a batch of 128 (8 x 16),
# weight decay 5e-4, grad-norm clip 20, 25 epochs, lr x0.1 at 10 and 20.

# Set this to your Kinetics-400 TDN-R50 T=16 checkpoint: one trained with
# tdn_imagenet-pretrained-r50_8xb16-5x1x16-100e_kinetics400-rgb.py (mmengine
# saves the best one as best_acc_top1_epoch_<N>.pth) or a converted release
# checkpoint. Its 400-class fc does not fit and is skipped (a size-mismatch
# warning); the new fc starts from the head's init.
load_from = 'work_dirs/tdn_imagenet-pretrained-r50_8xb16-5x1x16-100e_kinetics400-rgb/best.pth'

model = dict(
    # load_from covers the whole network: no ImageNet initialisation
    backbone=dict(pretrained=None),
    cls_head=dict(num_classes=101, dropout_ratio=0.8))

# MMAction2's data preparation (tools/data/ucf101): videos + split lists
dataset_type = 'VideoDataset'
data_root = 'data/ucf101/videos'
data_root_val = 'data/ucf101/videos'
split = 1  # official train/test splits: 1, 2, 3
ann_file_train = f'data/ucf101/ucf101_train_split_{split}_videos.txt'
ann_file_val = f'data/ucf101/ucf101_val_split_{split}_videos.txt'
ann_file_test = f'data/ucf101/ucf101_val_split_{split}_videos.txt'

train_dataloader = dict(
    dataset=dict(ann_file=ann_file_train, data_prefix=dict(video=data_root)))
val_dataloader = dict(
    dataset=dict(ann_file=ann_file_val, data_prefix=dict(video=data_root_val)))
test_dataloader = dict(
    dataset=dict(
        ann_file=ann_file_test, data_prefix=dict(video=data_root_val)))

train_cfg = dict(max_epochs=25, val_interval=1)
param_scheduler = [
    dict(
        type='MultiStepLR',
        begin=0,
        end=25,
        by_epoch=True,
        milestones=[10, 20],
        gamma=0.1)
]
optim_wrapper = dict(optimizer=dict(lr=0.002, weight_decay=5e-4))
auto_scale_lr = dict(enable=False, base_batch_size=128)

default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=3))
