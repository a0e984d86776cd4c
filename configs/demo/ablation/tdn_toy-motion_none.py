# Ablation: TDN without all three temporal parts (no S-TDM, no L-TDM, no
# temporal conv): a plain ResNet on each segment's centre frame with the
# logits averaged over segments, i.e. TSN-like, blind to frame order.
# Everything else as configs/demo/tdn_toy-motion.py (it still decodes the 5
# frames per segment, of which it uses the centre one).
_base_ = ['../tdn_toy-motion.py']

model = dict(
    backbone=dict(
        with_short_term_tdm=False,
        with_long_term_tdm=False,
        with_temporal_conv=False))
