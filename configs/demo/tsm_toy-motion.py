# TSM (MMAction2's Recognizer2D + ResNetTSM + TSMHead, unchanged) on the toy
# motion set: T frames, 1/8 of the channels shifted one frame forward and
# 1/8 back in every residual block.
# Data, sampling (one frame per segment), input size, depth and schedule:
# _base_/toy-motion.py.
_base_ = ['./_base_/toy-motion.py']

model = dict(
    type='Recognizer2D',
    backbone=dict(
        type='ResNetTSM',
        num_segments=_base_.num_segments,
        shift_div=8,
        pretrained2d=False,  # needed with pretrained=None
        **_base_.backbone_cfg),
    cls_head=dict(
        type='TSMHead',
        num_segments=_base_.num_segments,
        spatial_type='avg',
        consensus=dict(type='AvgConsensus', dim=1),
        is_shift=True))
