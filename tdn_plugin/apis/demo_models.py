"""What ``tdn demo`` runs: its contenders, ablation rows, default paths and
time budget, as plain data (no torch import, so ``tdn demo --help`` is
instant). The runs themselves are :mod:`tdn_plugin.apis.demo`.
"""
import os
from typing import Dict

# the default contenders: name -> config under configs/demo, in the order
# of training and of the table: TDN and the two references its families
# are about (TSN, blind to frame order; TSM, one frame per segment). Sized
# to the demo's budget (BUDGET_S on an idle machine whose speed index is
# REFERENCE_SPEED_INDEX_S): configs/demo/README.md has the measured time;
# a fourth model does not fit. A model joins with one line.
DEMO_MODELS: Dict[str, str] = {
    'tdn': 'tdn_toy-motion.py',
    'tsn': 'tsn_toy-motion.py',
    'tsm': 'tsm_toy-motion.py',
}
# `--all`: every contender: GTDNet, MMAction2's TANet, TRN, TPN and TIN
# (TIN needs mmcv's compiled ops and is reported as failed, with why, where
# only mmcv-lite is installed), GTDNet with TDN's short-term TDM, and
# MMAction2's 3D CNNs at the same scale (ResNet-18 I3D, R(2+1)D and
# SlowFast, X3D-S: one 8-frame clip instead of T segments)
ALL_MODELS: Dict[str, str] = dict(
    DEMO_MODELS,
    gtdnet='gtdnet_toy-motion.py',
    tanet='tanet_toy-motion.py',
    trn='trn_toy-motion.py',
    tpn='tpn_toy-motion.py',
    tin='tin_toy-motion.py',
    # GTDNet with TDN's short-term TDM (5 frames per segment)
    **{'gtdnet-stdm': 'gtdnet-stdm_toy-motion.py',
       'i3d': 'i3d-r18_toy-motion.py',
       'r2plus1d': 'r2plus1d-r18_toy-motion.py',
       'slowfast': 'slowfast-r18_toy-motion.py',
       'x3d': 'x3d-s_toy-motion.py'},
)

# the paper's ablation at demo scale: TDN without each temporal part (the
# default of `--ablation`), then GTDNet's design choices (`--models`)
ABLATION_MODELS: Dict[str, str] = {
    'tdn': 'tdn_toy-motion.py',
    'no-s-tdm': 'ablation/tdn_toy-motion_no-s-tdm.py',
    'no-l-tdm': 'ablation/tdn_toy-motion_no-l-tdm.py',
    'no-temporal-conv': 'ablation/tdn_toy-motion_no-temporal-conv.py',
    'none': 'ablation/tdn_toy-motion_none.py',
    # GTDNet's design choices (docs/gtdnet.md), run by name
    'gtdnet': 'gtdnet_toy-motion.py',
    'gtdnet-no-gtdm': 'ablation/gtdnet_toy-motion_no-gtdm.py',
    'gtdnet-no-temporal-conv':
    'ablation/gtdnet_toy-motion_no-temporal-conv.py',
    'gtdnet-temporal-attention':
    'ablation/gtdnet_toy-motion_temporal-attention.py',
    'gtdnet-map': 'ablation/gtdnet_toy-motion_map.py',
}

TDN_ABLATION = ('tdn', 'no-s-tdm', 'no-l-tdm', 'no-temporal-conv', 'none')

# the model whose Grad-CAM picture is drawn (else the first one)
GRADCAM_MODEL = 'tdn'

DEFAULT_DATA = os.path.join('data', 'toy-motion')
DEFAULT_WORK_DIR = os.path.join('work_dirs', 'demo')
QUICK_WORK_DIR = os.path.join('work_dirs', 'demo-quick')
ABLATION_WORK_DIR = os.path.join('work_dirs', 'ablation')

TIMINGS_FILE = 'timings.json'
GRADCAM_FILE = 'gradcam_{}.png'

# the demo's time budget on the reference machine, and that machine's
# speed index (MMAction2's TSM-R50, T=8, 224x224, batch 1, eager: s/clip)
BUDGET_S = 600
REFERENCE_SPEED_INDEX_S = 0.28

# what each ablation row takes away, for the markdown page
ABLATION_NOTES: Dict[str, str] = {
    'tdn': 'the full model: S-TDM at the stem and res2, L-TDM and temporal '
    'conv in every block of res3-res5',
    'no-s-tdm': 'without the short-term TDM: the appearance path sees each '
    "segment's centre frame only, no frame differences",
    'no-l-tdm': 'without the long-term TDM (the gate from neighbouring '
    "segments' feature differences)",
    'no-temporal-conv': 'without the temporal conv (the learnable shift '
    'after each L-TDM)',
    'none': 'without all three: a ResNet-18 on the centre frames with the '
    'logits averaged over segments, blind to frame order like TSN',
    'gtdnet': 'GTDNet as in the demo: GTDM (attention pooling, channel-wise '
    'attention, gate) + learnable temporal shift in res3-res5',
    'gtdnet-no-gtdm': 'GTDNet without the GTDM: the temporal shift alone',
    'gtdnet-no-temporal-conv': 'GTDNet without the temporal shift: the '
    'GTDM alone',
    'gtdnet-temporal-attention': 'GTDNet with per-channel attention over '
    'time instead of channel-wise attention',
    'gtdnet-map': 'GTDNet enhancing with per-pixel difference maps instead '
    'of the channel gate',
}
