# Ablation: TDN without the short-term TDM (the appearance path sees each
# segment's centre frame only; L-TDM and temporal conv kept).
# Everything else as configs/demo/tdn_toy-motion.py.
_base_ = ['../tdn_toy-motion.py']

model = dict(backbone=dict(with_short_term_tdm=False))
