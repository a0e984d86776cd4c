# TSN (MMAction2's Recognizer2D + ResNet + TSNHead, unchanged) on the toy
# motion set: the baseline that cannot see the order of its T frames (it
# averages their features), so it can tell a pair of time-reversed classes
# from the others but not which of the two it is (at most 50% top-1).
# Data, sampling (one frame per segment), input size, depth and schedule:
# _base_/toy-motion.py.
_base_ = ['./_base_/toy-motion.py']

model = dict(
    type='Recognizer2D',
    backbone=dict(type='ResNet', **_base_.backbone_cfg),
    cls_head=dict(
        type='TSNHead',
        spatial_type='avg',
        consensus=dict(type='AvgConsensus', dim=1)))
