# GTDNet-R50 (T=8): MMAction2's Recognizer2D + ResNetGTD backbone (one frame
# per segment) + TSMHead (per-segment dropout -> fc, logits averaged over the
# T segments). Every GTDNet option is spelled out with its default.
model = dict(
    type='Recognizer2D',
    backbone=dict(
        type='ResNetGTD',
        depth=50,
        num_segments=8,
        pretrained='torchvision://resnet50',
        gtdm_stages=(1, 2, 3),
        reduction=8,
        aggregation='attention',
        attention='channel',
        enhancement='gate',
        with_gtdm=True,
        with_temporal_conv=True,
        shift_div=8,
        norm_eval=False),
    cls_head=dict(
        type='TSMHead',
        num_classes=400,
        in_channels=2048,
        num_segments=8,
        spatial_type='avg',
        consensus=dict(type='AvgConsensus', dim=1),
        dropout_ratio=0.5,
        init_std=0.001,
        is_shift=True,
        average_clips='prob'),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCHW'))
