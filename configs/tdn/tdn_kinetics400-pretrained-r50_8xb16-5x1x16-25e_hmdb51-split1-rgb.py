_base_ = ['./tdn_kinetics400-pretrained-r50_8xb16-5x1x16-25e_ucf101-split1-rgb.py']

# Fine-tuning a Kinetics-400 TDN-R50 (T=16) on HMDB51, split 1: the UCF101
# recipe (set load_from there or here to your Kinetics-400 checkpoint).
model = dict(cls_head=dict(num_classes=51))

# MMAction2's data preparation (tools/data/hmdb51): videos + split lists
data_root = 'data/hmdb51/videos'
data_root_val = 'data/hmdb51/videos'
split = 1  # official train/test splits: 1, 2, 3
ann_file_train = f'data/hmdb51/hmdb51_train_split_{split}_videos.txt'
ann_file_val = f'data/hmdb51/hmdb51_val_split_{split}_videos.txt'
ann_file_test = f'data/hmdb51/hmdb51_val_split_{split}_videos.txt'

train_dataloader = dict(
    dataset=dict(ann_file=ann_file_train, data_prefix=dict(video=data_root)))
val_dataloader = dict(
    dataset=dict(ann_file=ann_file_val, data_prefix=dict(video=data_root_val)))
test_dataloader = dict(
    dataset=dict(
        ann_file=ann_file_test, data_prefix=dict(video=data_root_val)))
