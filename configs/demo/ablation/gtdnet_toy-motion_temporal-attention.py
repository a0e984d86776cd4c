# GTDNet design ablation at demo scale (docs/gtdnet.md): the demo's GTDNet
# with attention='temporal' (per-channel attention over time instead of
# channel-wise attention), everything else equal.
_base_ = ['../gtdnet_toy-motion.py']

model = dict(backbone=dict(attention='temporal'))
