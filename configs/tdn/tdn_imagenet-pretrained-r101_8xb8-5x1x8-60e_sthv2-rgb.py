_base_ = ['./tdn_imagenet-pretrained-r50_8xb8-5x1x8-60e_sthv2-rgb.py']

# TDN-R101: same recipe and head (in_channels 2048) as TDN-R50
model = dict(
    backbone=dict(depth=101, pretrained='torchvision://resnet101'))
