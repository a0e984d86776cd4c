"""Small demo models (R18, 64 px, T=4) for the deployment tests."""
import os.path as osp

import pytest
import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def demo_config(name: str) -> str:
    """Absolute path of ``configs/demo/<name>_toy-motion.py``."""
    return osp.join(REPO, 'configs', 'demo', f'{name}_toy-motion.py')


def peaked_model(name: str, seed: int = 0):
    """The demo config's recognizer with a classifier whose scores are far
    from uniform (weights N(0, 0.5)), so that parity is tested on scores
    that differ between classes; (cfg, model) in eval mode."""
    from tdn_plugin.cli.utils import load_config
    from tdn_plugin.utils.checks import load_recognizer
    cfg = load_config(demo_config(name))
    torch.manual_seed(seed)
    model = load_recognizer(cfg, None)
    with torch.no_grad():
        model.cls_head.fc_cls.weight.normal_(0, 0.5)
    return cfg, model


@pytest.fixture(scope='session')
def demo_models():
    """``name -> (cfg, model)`` for 'tdn', 'gtdnet', 'tsm', built once."""
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = peaked_model(name)
        return cache[name]

    return get
