# GTDNet design ablation at demo scale (docs/gtdnet.md): the demo's GTDNet
# with enhancement='map' (per-pixel difference maps instead of the channel
# gate), everything else equal.
_base_ = ['../gtdnet_toy-motion.py']

model = dict(backbone=dict(enhancement='map'))
