# GTDNet (MMAction2's Recognizer2D + the plugin's ResNetGTD + TSMHead) on the
# toy motion set: T frames; every res3-res5 block gets a global temporal
# difference module (clip-level vector minus each segment's, channel-wise
# attention, gate) and a learnable temporal shift (docs/gtdnet.md).
# Data, sampling (one frame per segment), input size, depth and schedule:
# _base_/toy-motion.py.
_base_ = ['./_base_/toy-motion.py']

model = dict(
    type='Recognizer2D',
    backbone=dict(
        type='ResNetGTD',
        num_segments=_base_.num_segments,
        **_base_.backbone_cfg),
    cls_head=dict(
        type='TSMHead',
        num_segments=_base_.num_segments,
        spatial_type='avg',
        consensus=dict(type='AvgConsensus', dim=1),
        is_shift=True))
