import glob
import socket
import subprocess
import sys

import torch


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_two_process_cpu_training(tiny_config, tmp_path):
    """torchrun, 2 processes, gloo chosen without being told."""
    out = subprocess.run(
        [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node',
         '2', '--master_addr', '127.0.0.1', '--master_port',
         str(free_port()), '-m', 'tdn_plugin.cli.main', 'train',
         tiny_config, '--launcher', 'pytorch', '--work-dir', str(tmp_path),
         '--cfg-options', 'train_cfg.max_epochs=1',
         'env_cfg.dist_cfg.backend=nccl'],
        capture_output=True, text=True, timeout=600)
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-3000:]
    assert 'Distributed training: True' in log
    assert "'world_size': 2" in log or 'world_size: 2' in log or \
        'GPU number: 2' in log or log.count('Epoch(train)') >= 1
    assert glob.glob(str(tmp_path / 'epoch_1.pth')) == \
        [str(tmp_path / 'epoch_1.pth')]
    ckpt = torch.load(tmp_path / 'epoch_1.pth', map_location='cpu')
    assert not any(k.startswith('module.') for k in ckpt['state_dict'])
