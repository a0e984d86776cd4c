import glob
import socket
import subprocess
import sys

import pytest
from mmengine.runner.checkpoint import CheckpointLoader


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_two_process_cpu_training(tiny_config, tmp_path):
    """torchrun, 2 processes, gloo chosen without being told (the config
    asks for nccl). The 8 tiny videos, batch 4: each of the 2 ranks gets 4,
    so an epoch is 1 iteration ([1/1]); one process alone would run 2."""
    out = subprocess.run(
        [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node',
         '2', '--master_addr', '127.0.0.1', '--master_port',
         str(free_port()), '-m', 'tdn_plugin.cli.main', 'train',
         tiny_config, '--launcher', 'pytorch', '--work-dir', str(tmp_path),
         '--cfg-options', 'train_cfg.max_epochs=1',
         'env_cfg.dist_cfg.backend=nccl', '--verbose'],
        capture_output=True, text=True, timeout=600)
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-3000:]
    assert 'Distributed training: True' in log
    assert 'GPU number: 2' in log  # mmengine's name for the world size
    assert "backend='gloo'" in log or "'backend': 'gloo'" in log
    assert 'Epoch(train) [1][1/1]' in log
    assert 'Epoch(train) [1][1/2]' not in log
    assert glob.glob(str(tmp_path / 'epoch_1.pth')) == \
        [str(tmp_path / 'epoch_1.pth')]
    ckpt = CheckpointLoader.load_checkpoint(str(tmp_path / 'epoch_1.pth'), map_location='cpu')
    assert not any(k.startswith('module.') for k in ckpt['state_dict'])
