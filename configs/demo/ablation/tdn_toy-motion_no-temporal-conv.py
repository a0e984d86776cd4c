# Ablation: TDN without the temporal conv (the learnable shift after each
# L-TDM; S-TDM and L-TDM kept).
# Everything else as configs/demo/tdn_toy-motion.py.
_base_ = ['../tdn_toy-motion.py']

model = dict(backbone=dict(with_temporal_conv=False))
