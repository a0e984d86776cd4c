# GTDNet-R50 backbone (T=8, one frame per segment), every option spelled out
# with its default (docs/gtdnet.md). The configs in configs/gtdnet take the
# TDN config of the same dataset and put this backbone in its place, under
# MMAction2's Recognizer2D and the same TSMHead (per-segment dropout -> fc,
# logits averaged over the T segments).
gtdnet_backbone = dict(
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
    norm_eval=False)
