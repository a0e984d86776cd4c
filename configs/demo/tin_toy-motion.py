# TIN (MMAction2's Recognizer2D + ResNetTIN + TSMHead, unchanged) on the toy
# motion set: temporal interlacing (learned, fractional temporal shifts).
# It needs the compiled mmcv op tin_shift: with only mmcv-lite installed,
# `tdn demo --all` and `tdn compare` skip it with a one-line reason.
# Data, sampling (one frame per segment), input size, depth and schedule:
# _base_/toy-motion.py.
_base_ = ['./_base_/toy-motion.py']

model = dict(
    type='Recognizer2D',
    backbone=dict(
        type='ResNetTIN',
        num_segments=_base_.num_segments,
        shift_div=4,
        **_base_.backbone_cfg),
    cls_head=dict(
        type='TSMHead',
        num_segments=_base_.num_segments,
        spatial_type='avg',
        consensus=dict(type='AvgConsensus', dim=1),
        is_shift=False))
