# X3D-S (MMAction2's Recognizer3D + X3D + X3DHead, unchanged): the small
# X3D of Feichtenhofer, CVPR 2020 (width 1, bottleneck 2.25, depth 2.2).
# Data, clip, input size and schedule: _base_/toy-motion-3d.py.
_base_ = ['./_base_/toy-motion-3d.py']

model = dict(
    backbone=dict(
        type='X3D',
        gamma_w=1,
        gamma_b=2.25,
        gamma_d=2.2,
        norm_eval=False),
    cls_head=dict(type='X3DHead', in_channels=432, fc1_bias=False))
