import os.path as osp
import pickle
import subprocess
import sys

import pytest
from mmengine.runner.checkpoint import CheckpointLoader

from tdn_plugin.cli.main import COMMANDS, main


@pytest.mark.slow
def test_help_lists_every_subcommand():
    out = subprocess.run([sys.executable, '-m', 'tdn_plugin.cli.main',
                          '--help'], capture_output=True, text=True)
    assert out.returncode == 0
    for name in COMMANDS:
        assert name in out.stdout


def test_train_writes_checkpoints(trained_run):
    ckpt = CheckpointLoader.load_checkpoint(str(trained_run / 'epoch_2.pth'), map_location='cpu')
    assert ckpt['meta']['epoch'] == 2
    assert any(k.startswith('backbone.short_term_tdm.') for k in
               ckpt['state_dict'])


def test_train_keeps_the_users_log_level_in_the_saved_config(trained_run):
    from mmengine.config import Config
    assert Config.fromfile(str(trained_run / 'tdn_tiny.py')).log_level == \
        'INFO'


def test_test_runs_and_dumps(tiny_config, trained_run, tmp_path, capsys):
    dump = tmp_path / 'scores.pkl'
    assert main(['test', tiny_config, str(trained_run / 'epoch_2.pth'),
                 '--work-dir', str(tmp_path), '--dump', str(dump),
                 '--cfg-options', 'log_level=WARNING']) == 0
    # the metrics are printed, even where the config's logger is silent
    assert 'acc/top1 ' in capsys.readouterr().out
    with open(dump, 'rb') as f:
        results = pickle.load(f)
    assert len(results) == 8
    assert results[0]['pred_score'].shape == (2, )
    assert results[0]['view_scores'].shape == (1, 2)


@pytest.mark.slow
@pytest.mark.inductor
def test_compile_true_trains_and_tests_on_cpu(tiny_config, trained_run,
                                              tmp_path):
    """mmengine's ``compile=True`` (inductor, the system's C++ compiler):
    a training epoch runs compiled, and testing compiled gives the eager
    scores to fp32 round-off."""
    import numpy as np
    compiled = ['--cfg-options', 'compile=True']
    assert main(['train', tiny_config, '--work-dir', str(tmp_path / 'train'),
                 *compiled, 'train_cfg.max_epochs=1',
                 'train_cfg.val_interval=10']) == 0
    assert osp.isfile(tmp_path / 'train' / 'epoch_1.pth')
    scores = {}
    for name, options in (('eager', []), ('compiled', compiled)):
        dump = tmp_path / f'{name}.pkl'
        assert main(['test', tiny_config, str(trained_run / 'epoch_2.pth'),
                     '--work-dir', str(tmp_path / name), '--dump', str(dump),
                     *options]) == 0
        with open(dump, 'rb') as f:
            scores[name] = np.stack([r['view_scores'] for r in
                                     pickle.load(f)])
    np.testing.assert_allclose(scores['compiled'], scores['eager'],
                               rtol=1e-4, atol=1e-5)


@pytest.mark.slow
def test_resume_continues_from_checkpoint(tiny_config, trained_run, tmp_path):
    assert main(['train', tiny_config, '--work-dir', str(tmp_path),
                 '--resume', str(trained_run / 'epoch_1.pth')]) == 0
    assert osp.isfile(tmp_path / 'epoch_2.pth')
    assert not osp.isfile(tmp_path / 'epoch_1.pth')


@pytest.mark.slow
def test_mmaction_own_tools_run_plugin_config(tiny_config, trained_run,
                                              tmp_path):
    """MMAction2's tools (shipped in its wheel) with custom_imports only."""
    import mmaction
    tools = osp.join(osp.dirname(mmaction.__file__), '.mim', 'tools')
    if not osp.isdir(tools):
        tools = osp.join(osp.dirname(osp.dirname(mmaction.__file__)),
                         'tools')
    if not osp.isfile(osp.join(tools, 'test.py')):
        pytest.skip('MMAction2 tools not found')
    out = subprocess.run(
        [sys.executable, osp.join(tools, 'test.py'), tiny_config,
         str(trained_run / 'epoch_2.pth'), '--work-dir', str(tmp_path)],
        capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    out = subprocess.run(
        [sys.executable, osp.join(tools, 'train.py'), tiny_config,
         '--work-dir', str(tmp_path / 'train'), '--cfg-options',
         'train_cfg.max_epochs=1'], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    assert osp.isfile(tmp_path / 'train' / 'epoch_1.pth')


def test_missing_config_is_a_clear_error(tmp_path, capsys):
    from tdn_plugin.cli.main import run
    assert run(['train', str(tmp_path / 'nope.py')]) == 1
    err = capsys.readouterr().err
    assert err == f'tdn train: config file not found: {tmp_path}/nope.py' \
        f' (nor in the packaged configs, {osp.abspath("configs")})\n'


def test_missing_train_list_is_one_line(tmp_path, capsys):
    from tdn_plugin.cli.main import run
    assert run(['train', 'configs/demo/tdn_toy-motion.py', '--work-dir',
                str(tmp_path), '--cfg-options',
                f'train_dataloader.dataset.ann_file={tmp_path}/no.txt']) == 1
    err = capsys.readouterr().err
    assert err.startswith(f'tdn train: train list not found: {tmp_path}'
                          '/no.txt')
    assert err.count('\n') == 1
