# TRN (MMAction2's Recognizer2D + ResNet + TRNHead, unchanged) on the toy
# motion set: a plain 2D ResNet on each of T frames, then the multi-scale
# temporal relation head (MLPs over ordered tuples of 2..T frames' features,
# so frame order matters).
# Data, sampling (one frame per segment), input size, depth and schedule:
# _base_/toy-motion.py.
_base_ = ['./_base_/toy-motion.py']

model = dict(
    type='Recognizer2D',
    backbone=dict(type='ResNet', **_base_.backbone_cfg),
    cls_head=dict(
        type='TRNHead',
        num_segments=_base_.num_segments,
        spatial_type='avg',
        relation_type='TRNMultiScale',
        hidden_dim=256))
