"""One timed training step of a config, and the steps it trains."""
import os.path as osp

import pytest
from mmengine.config import Config

from tdn_plugin.engine.runner import pilot_steps, training_steps

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))


@pytest.mark.parametrize('drop_last, steps', [(False, 3 * 4), (True, 3 * 3)])
def test_training_steps_by_epoch(drop_last, steps):
    cfg = Config(dict(train_cfg=dict(by_epoch=True, max_epochs=3),
                      train_dataloader=dict(batch_size=16,
                                            drop_last=drop_last)))
    assert training_steps(cfg, 60) == steps  # 60 videos: 3.75 batches


def test_training_steps_by_iteration():
    cfg = Config(dict(train_cfg=dict(by_epoch=False, max_iters=70),
                      train_dataloader=dict(batch_size=16)))
    assert training_steps(cfg, 60) == 70


@pytest.mark.slow
def test_pilot_steps_time_each_configs_model_on_its_train_list(tmp_path):
    from tdn_plugin.cli.utils import load_config
    from tdn_plugin.datasets.toy_motion import make_toy_motion
    make_toy_motion(str(tmp_path), videos_per_class=1, val_per_class=1,
                    size=32, num_frames_range=(24, 30), progress=False,
                    verify=False)

    def config(name, **options):
        return load_config(
            osp.join(REPO, 'configs', 'demo', f'{name}_toy-motion.py'),
            {'train_dataloader.dataset.ann_file': str(tmp_path / 'train.txt'),
             'train_dataloader.dataset.data_prefix':
             dict(video=str(tmp_path / 'videos')),
             'train_dataloader.batch_size': 4, 'train_cfg.max_epochs': 2,
             **options})

    broken = config('tsn', **{'model.cls_head.num_classes': 0})
    pilots = pilot_steps(dict(tsn=config('tsn'), tdn=config('tdn'),
                              broken=broken), rounds=1, samples=2)
    assert pilots['broken'] is None  # its model cannot be built or run
    for name in ('tsn', 'tdn'):
        assert pilots[name].steps == 2 * 3  # 10 videos in 4s, 2 epochs
        assert 0 < pilots[name].seconds < 60
