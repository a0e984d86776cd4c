import glob
import json
import os.path as osp

import pytest
import torch
from mmengine.runner.checkpoint import CheckpointLoader

from tdn_plugin.cli.main import main


def val_accuracies(work_dir):
    scalars = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                        'scalars.json')))[-1]
    with open(scalars) as f:
        rows = [json.loads(line) for line in f]
    return [r['acc/top1'] for r in rows if 'acc/top1' in r]


@pytest.mark.slow
def test_resumed_run_repeats_the_uninterrupted_one(tiny_config, tmp_path):
    common = ['--seed', '3', '--deterministic', '--cfg-options',
              'model.cls_head.dropout_ratio=0.5']
    full, part = tmp_path / 'full', tmp_path / 'part'
    assert main(['train', tiny_config, '--work-dir', str(full)] +
                common) == 0
    assert main(['train', tiny_config, '--work-dir', str(part)] + common +
                ['train_cfg.max_epochs=1']) == 0
    assert not osp.isfile(part / 'epoch_2.pth')
    assert main(['train', tiny_config, '--work-dir', str(part), '--resume',
                 str(part / 'epoch_1.pth')] + common) == 0
    a = CheckpointLoader.load_checkpoint(str(full / 'epoch_2.pth'), map_location='cpu')
    b = CheckpointLoader.load_checkpoint(str(part / 'epoch_2.pth'), map_location='cpu')
    for key, value in a['state_dict'].items():
        assert torch.equal(value, b['state_dict'][key]), key
    for key, state in a['optimizer']['state'].items():
        assert torch.equal(state['momentum_buffer'],
                           b['optimizer']['state'][key]['momentum_buffer'])
    assert val_accuracies(full)[-1] == val_accuracies(part)[-1]
