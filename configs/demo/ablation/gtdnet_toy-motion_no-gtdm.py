# GTDNet design ablation at demo scale (docs/gtdnet.md): the demo's GTDNet
# with with_gtdm=False (no GTDM: the temporal shift alone), everything else
# equal.
_base_ = ['../gtdnet_toy-motion.py']

model = dict(backbone=dict(with_gtdm=False))
