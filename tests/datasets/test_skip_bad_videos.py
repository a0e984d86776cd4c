import glob
import os.path as osp
import pickle
import re

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from tdn_plugin.datasets import BadVideoError, SkipBadVideos

BAD = ('truncated.mp4', 'empty.mp4', 'missing.mp4')


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny models: on a shared CPU, 2 intra-op threads can be 100x
    slower than 1."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope='module')
def bad_list(tiny_videos, tmp_path_factory):
    """The 8 tiny videos and, between them, a truncated mp4 (its first 200
    bytes), an empty file and a missing one; absolute paths for the bad
    ones (data_prefix joins to them unchanged)."""
    root = tmp_path_factory.mktemp('bad_videos')
    (root / 'truncated.mp4').write_bytes(
        (tiny_videos / '000.mp4').read_bytes()[:200])
    (root / 'empty.mp4').write_bytes(b'')
    lines = [f'{i:03d}.mp4 {i % 2}' for i in range(8)]
    lines[1:1] = [f'{root / "truncated.mp4"} 1']
    lines[4:4] = [f'{root / "empty.mp4"} 0']
    lines.append(f'{root / "missing.mp4"} 1')
    path = root / 'list.txt'
    path.write_text('\n'.join(lines) + '\n')
    return path, [str(root / name) for name in BAD]


def _cfg(tiny_config, tmp_path, name):
    cfg = Config.fromfile(tiny_config)
    cfg.work_dir = str(tmp_path)
    cfg.experiment_name = name
    cfg.custom_hooks = [dict(type='BadVideoHook')]
    cfg.default_hooks.checkpoint = None
    return cfg


def _log(tmp_path):
    (path, ) = glob.glob(str(tmp_path / '*' / '*.log'))
    with open(path) as f:
        return f.read()


def _dataset(tiny_config, ann_file, test_mode=False, **kwargs):
    init_default_scope('mmaction')
    cfg = Config.fromfile(tiny_config)
    split = cfg.test_dataloader if test_mode else cfg.train_dataloader
    inner = dict(split.dataset, ann_file=str(ann_file))
    return SkipBadVideos(inner, **kwargs)


def test_passes_through(tiny_config, bad_list):
    ds = _dataset(tiny_config, bad_list[0])
    assert len(ds) == 11
    assert ds.get_data_info(1)['filename'] == bad_list[1][0]
    assert ds.metainfo == ds.dataset.metainfo
    assert ds.ann_file == str(bad_list[0]) and not ds.test_mode
    copy = pickle.loads(pickle.dumps(ds))  # spawned dataloader workers
    assert len(copy) == 11 and copy[0]['inputs'].shape == (20, 3, 32, 32)


@pytest.mark.parametrize('test_mode', [False, True])
def test_strict_names_the_file(tiny_config, bad_list, test_mode):
    ds = _dataset(tiny_config, bad_list[0], test_mode, strict=True)
    ds[0]
    with pytest.raises(BadVideoError, match=re.escape(bad_list[1][0])):
        ds[1]
    with pytest.raises(BadVideoError, match='FileNotFoundError'):
        ds[10]


def test_gives_up_when_nothing_loads(tiny_config, tmp_path):
    ann = tmp_path / 'list.txt'
    ann.write_text(f'{tmp_path}/a.mp4 0\n{tmp_path}/b.mp4 1\n')
    ds = _dataset(tiny_config, ann, max_consecutive=5)
    with pytest.raises(BadVideoError, match='5 samples in a row'):
        ds[0]
    ds = _dataset(tiny_config, ann, test_mode=True)
    with pytest.raises(BadVideoError, match='no readable sample'):
        ds[0]


def test_train_replaces_skipped_samples(tiny_config, bad_list):
    ds = _dataset(tiny_config, bad_list[0])
    np.random.seed(0)
    data = ds[1]
    assert data['inputs'].shape == (20, 3, 32, 32)
    skipped = data['data_samples'].skipped_videos
    assert skipped[0][0] == bad_list[1][0]
    assert skipped[0][1].startswith('no moov atom: the file is cut short')


@pytest.mark.parametrize('num_workers', [0, 2])
def test_train_epoch_survives_bad_videos(tiny_config, bad_list, tmp_path,
                                         num_workers):
    cfg = _cfg(tiny_config, tmp_path, f'bad_train_{num_workers}')
    cfg.train_cfg.max_epochs = 1
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.train_dataloader.num_workers = num_workers
    cfg.train_dataloader.persistent_workers = False
    cfg.train_dataloader.dataset = dict(
        type='SkipBadVideos',
        dataset=dict(cfg.train_dataloader.dataset, ann_file=str(bad_list[0])))
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.epoch == 1
    log = _log(tmp_path)
    for name in bad_list[1]:
        assert log.count(name) == 1, name
    match = re.search(r'Epoch 1: skipped (\d+) training sample\(s\) whose '
                      r'video could not be read \(3 distinct', log)
    assert match and int(match.group(1)) >= 3
    from tdn_plugin.engine.hooks.bad_video_hook import read_unreadable
    listed = read_unreadable(cfg.work_dir)  # for the report of compare
    assert list(listed) == ['train']
    assert sorted(map(osp.basename, listed['train'])) == sorted(
        map(osp.basename, bad_list[1]))


def test_test_scores_unreadable_as_blank(tiny_config, bad_list, tmp_path):
    cfg = _cfg(tiny_config, tmp_path, 'bad_test')
    dump = tmp_path / 'results.pkl'
    cfg.test_dataloader.dataset = dict(
        type='SkipBadVideos',
        dataset=dict(cfg.test_dataloader.dataset, ann_file=str(bad_list[0])))
    cfg.test_evaluator = [
        dict(type='AccMetric'),
        dict(type='DumpResults', out_file_path=str(dump))
    ]
    metrics = Runner.from_cfg(cfg).test()
    with open(dump, 'rb') as f:
        results = pickle.load(f)
    assert len(results) == 11  # nothing dropped
    blank = {r['unreadable_video'][0]: int(r['gt_label'])
             for r in results if 'unreadable_video' in r}
    assert blank == dict(zip(bad_list[1], (1, 0, 1)))
    correct = [int(r['pred_score'].argmax()) == int(r['gt_label'])
               for r in results]
    assert metrics['acc/top1'] == pytest.approx(np.mean(correct))
    log = _log(tmp_path)
    assert ('3 of 11 test videos were unreadable and were scored as blank '
            'clips') in log
    for name in bad_list[1]:
        assert log.count(name) == 1, name
    assert torch.is_tensor(results[0]['pred_score'])
    from tdn_plugin.engine.hooks.bad_video_hook import read_unreadable
    listed = read_unreadable(cfg.work_dir)
    assert list(listed) == ['test'] and len(listed['test']) == 3
