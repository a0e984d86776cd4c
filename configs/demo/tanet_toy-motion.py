# TANet (MMAction2's Recognizer2D + TANet + TSMHead, unchanged) on the toy
# motion set: T frames; every residual block gets a temporal adaptive
# module (a local, location-sensitive importance map and a global,
# location-invariant temporal kernel learned from the clip).
# MMAction2's TA-blocks exist for Bottleneck blocks only, so TANet cannot
# have the other models' ResNet-18: it is the shallowest it allows, R50.
# Data, sampling (one frame per segment), input size, depth and schedule:
# _base_/toy-motion.py.
_base_ = ['./_base_/toy-motion.py']

model = dict(
    type='Recognizer2D',
    backbone=dict(
        type='TANet',
        num_segments=_base_.num_segments,
        tam_cfg=None,
        **dict(_base_.backbone_cfg, depth=50)),
    cls_head=dict(
        type='TSMHead',
        num_segments=_base_.num_segments,
        spatial_type='avg',
        consensus=dict(type='AvgConsensus', dim=1),
        in_channels=2048,
        is_shift=False))
