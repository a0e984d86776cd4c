# I3D at demo scale (MMAction2's Recognizer3D + ResNet3d + I3DHead,
# unchanged): a ResNet-18 with the first 3x3 conv of each stage's first
# block (and res5's last) inflated to 3x3x3, as I3D inflates every other
# block; no temporal striding (the clips are short).
# Data, clip, input size and schedule: _base_/toy-motion-3d.py.
_base_ = ['./_base_/toy-motion-3d.py']

model = dict(
    backbone=dict(
        type='ResNet3d',
        pretrained2d=False,
        conv1_kernel=(3, 7, 7),
        conv1_stride_t=1,
        pool1_stride_t=1,
        inflate=((1, 0), (1, 0), (1, 0), (0, 1)),
        zero_init_residual=False,
        **_base_.backbone_cfg),
    cls_head=dict(type='I3DHead'))
