# GTDNet design ablation at demo scale (docs/gtdnet.md): the demo's GTDNet
# with with_temporal_conv=False (no temporal shift: the GTDM alone),
# everything else equal.
_base_ = ['../gtdnet_toy-motion.py']

model = dict(backbone=dict(with_temporal_conv=False))
