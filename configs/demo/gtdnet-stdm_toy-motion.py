# GTDNet with TDN's short-term TDM (ResNetGTD(with_short_term_tdm=True)):
# GTDNet's global temporal difference modules see one frame per segment, so
# motion between consecutive frames is invisible to them; this variant
# samples T segments of 5 consecutive frames as TDN does and adds the S-TDM
# stem (+6.9% MACs at R50/224). Data, sampling (TDN's 5 frames per segment),
# input size, depth and schedule: tdn_toy-motion.py and _base_/toy-motion.py.
_base_ = ['./tdn_toy-motion.py']

model = dict(
    backbone=dict(
        _delete_=True,
        type='ResNetGTD',
        num_segments=_base_.num_segments,
        with_short_term_tdm=True,
        frames_per_segment=_base_.frames_per_segment,
        **_base_.backbone_cfg))
