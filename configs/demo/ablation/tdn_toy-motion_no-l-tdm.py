# Ablation: TDN without the long-term TDM (S-TDM and temporal conv kept).
# Everything else as configs/demo/tdn_toy-motion.py.
_base_ = ['../tdn_toy-motion.py']

model = dict(backbone=dict(with_long_term_tdm=False))
