# TPN (MMAction2's Recognizer2D + ResNetTSM + TPN neck + TPNHead, as in its
# Something-Something config tpn-tsm_..._sthv1-rgb.py) on the toy motion set:
# a temporal pyramid over the res4 and res5 features of a TSM backbone, with
# an auxiliary head on res4. Its channel widths are those of the R50 config
# divided by 4, as ResNet-18's features are (256/512 instead of 1024/2048),
# except its fused output, which MMAction2's TPN fixes at 2048 channels.
# Data, sampling (one frame per segment), input size, depth and schedule:
# _base_/toy-motion.py.
_base_ = ['./_base_/toy-motion.py']

num_classes = _base_.model.cls_head.num_classes
model = dict(
    type='Recognizer2D',
    backbone=dict(
        type='ResNetTSM',
        num_segments=_base_.num_segments,
        out_indices=(2, 3),
        shift_div=8,
        pretrained2d=False,  # needed with pretrained=None
        **_base_.backbone_cfg),
    neck=dict(
        type='TPN',
        in_channels=(256, 512),
        out_channels=256,
        spatial_modulation_cfg=dict(in_channels=(256, 512), out_channels=512),
        # the R50 config pools its T=8 frames to 1: (8, 8)
        temporal_modulation_cfg=dict(
            downsample_scales=(_base_.num_segments, _base_.num_segments)),
        upsample_cfg=dict(scale_factor=(1, 1, 1)),
        downsample_cfg=dict(downsample_scale=(1, 1, 1)),
        level_fusion_cfg=dict(
            in_channels=(256, 256),
            mid_channels=(256, 256),
            out_channels=512,
            downsample_scales=((1, 1, 1), (1, 1, 1))),
        aux_head_cfg=dict(out_channels=num_classes, loss_weight=0.5)),
    cls_head=dict(
        type='TPNHead',
        in_channels=2048,  # TPN's pyramid fusion always outputs 2048
        spatial_type='avg',
        consensus=dict(type='AvgConsensus', dim=1)),
    test_cfg=dict(fcn_test=True))
