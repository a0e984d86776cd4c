# R(2+1)D-18 at demo scale (MMAction2's Recognizer3D + ResNet2Plus1d +
# I3DHead, unchanged): every 3x3x3 conv factored into a 1x3x3 spatial and a
# 3x1x1 temporal conv.
# Data, clip, input size and schedule: _base_/toy-motion-3d.py.
_base_ = ['./_base_/toy-motion-3d.py']

model = dict(
    backbone=dict(
        type='ResNet2Plus1d',
        pretrained2d=False,
        conv_cfg=dict(type='Conv2plus1d'),
        conv1_kernel=(3, 7, 7),
        conv1_stride_t=1,
        pool1_stride_t=1,
        inflate=(1, 1, 1, 1),
        spatial_strides=(1, 2, 2, 2),
        temporal_strides=(1, 2, 2, 2),
        zero_init_residual=False,
        **_base_.backbone_cfg),
    cls_head=dict(type='I3DHead'))
