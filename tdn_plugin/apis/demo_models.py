"""What ``tdn demo`` runs: its contenders, ablation rows, default paths and
time budget, as plain data (no torch import, so ``tdn demo --help`` is
instant). The runs themselves are :mod:`tdn_plugin.apis.demo`.
"""
import os
from typing import Dict

# the default contenders (name -> config under configs/demo, in the order
# of training and of the table): TDN and the two references its families
# are about (TSN, blind to frame order; TSM, one frame per segment); a
# fourth does not fit BUDGET_S (configs/demo/README.md has the time)
DEMO_MODELS: Dict[str, str] = {
    'tdn': 'tdn_toy-motion.py',
    'tsn': 'tsn_toy-motion.py',
    'tsm': 'tsm_toy-motion.py',
}
# `--all`: also GTDNet (and with TDN's short-term TDM), MMAction2's TANet,
# TRN, TPN, TIN (failed, with why, where only mmcv-lite is installed) and
# its 3D CNNs at the same scale (one 8-frame clip instead of T segments)
ALL_MODELS: Dict[str, str] = {
    **DEMO_MODELS,
    'gtdnet': 'gtdnet_toy-motion.py',
    'tanet': 'tanet_toy-motion.py',
    'trn': 'trn_toy-motion.py',
    'tpn': 'tpn_toy-motion.py',
    'tin': 'tin_toy-motion.py',
    'gtdnet-stdm': 'gtdnet-stdm_toy-motion.py',
    'i3d': 'i3d-r18_toy-motion.py',
    'r2plus1d': 'r2plus1d-r18_toy-motion.py',
    'slowfast': 'slowfast-r18_toy-motion.py',
    'x3d': 'x3d-s_toy-motion.py',
}

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
