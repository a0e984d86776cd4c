"""Every shipped training config trains through unreadable videos by
default (configs/_base_/bad_videos.py: its BadVideoRunner applies
wrap_bad_videos, for the ``tdn`` commands and MMAction2's own tools)."""
import glob
import os.path as osp
import subprocess
import sys

import pytest
from mmengine.runner.checkpoint import CheckpointLoader

from tdn_plugin.cli.main import run
from tdn_plugin.cli.utils import load_config

CONFIGS = sorted(
    glob.glob('configs/tdn/*.py') + glob.glob('configs/gtdnet/*.py') +
    glob.glob('configs/demo/*.py') + glob.glob('configs/demo/ablation/*.py'))


def test_every_family_is_covered():
    families = {path.split('/')[1] for path in CONFIGS}
    assert families == {'tdn', 'gtdnet', 'demo'}
    assert any('/ablation/' in path for path in CONFIGS)


@pytest.mark.parametrize('config', CONFIGS)
def test_shipped_config_skips_bad_videos(config):
    cfg = load_config(config)
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = cfg[key].dataset
        assert dataset.type == 'SkipBadVideos' and not dataset.strict, key
        assert dataset.dataset.type in ('VideoDataset', 'RawframeDataset')
        assert 'ann_file' in dataset.dataset
    hooks = [h.type for h in cfg.custom_hooks]
    assert hooks.count('BadVideoHook') == 1


def test_strict_is_one_override_away():
    cfg = load_config('configs/demo/tdn_toy-motion.py',
                      {'bad_videos.strict': True})
    assert cfg.train_dataloader.dataset.strict is True
    cfg = load_config('configs/demo/tdn_toy-motion.py',
                      {'bad_videos.skip': False})
    assert cfg.train_dataloader.dataset.type == 'VideoDataset'
    assert not any(h.type == 'BadVideoHook'
                   for h in cfg.get('custom_hooks', []))


def test_readme_snippet_in_an_inheriting_config(tmp_path):
    """The README's hand-written wrapper, pasted into a config that
    inherits ours, replaces our dataset (``_delete_=True``) and is not
    wrapped twice."""
    config = tmp_path / 'mine.py'
    base = osp.abspath('configs/demo/tdn_toy-motion.py')
    config.write_text(f'''
_base_ = [{base!r}]
train_dataloader = dict(dataset=dict(
    _delete_=True,
    type='SkipBadVideos', strict=True,
    dataset=dict(type='VideoDataset', ann_file='data/k400/train.txt',
                 data_prefix=dict(video='data/k400/videos'),
                 pipeline={{{{_base_.train_pipeline}}}})))
''')
    cfg = load_config(str(config))
    dataset = cfg.train_dataloader.dataset
    assert dataset.type == 'SkipBadVideos' and dataset.strict is True
    assert dataset.dataset.ann_file == 'data/k400/train.txt'
    assert dataset.dataset.pipeline[1].type == 'TDNSampleFrames'


@pytest.fixture(scope='module')
def toy_with_bad_videos(tmp_path_factory):
    """10 train / 10 val toy videos of 32x32; the train list also names a
    truncated, an empty and a missing video."""
    from tdn_plugin.datasets.toy_motion import make_toy_motion
    root = tmp_path_factory.mktemp('toy_bad')
    make_toy_motion(root, videos_per_class=1, val_per_class=1, size=32,
                    num_frames_range=(24, 24), verify=False, progress=False)
    videos = root / 'videos'
    first = sorted(videos.iterdir())[0]
    (videos / 'truncated.mp4').write_bytes(first.read_bytes()[:300])
    (videos / 'empty.mp4').write_bytes(b'')
    lines = (root / 'train.txt').read_text().splitlines()
    lines[2:2] = ['truncated.mp4 1', 'empty.mp4 0']
    lines.append('missing.mp4 3')
    (root / 'train.txt').write_text('\n'.join(lines) + '\n')
    return root


def _mmaction_train_tool() -> str:
    import mmaction
    tool = osp.join(osp.dirname(mmaction.__file__), '.mim', 'tools',
                    'train.py')
    if not osp.isfile(tool):
        pytest.skip('MMAction2 tools not found')
    return tool


@pytest.mark.slow
@pytest.mark.parametrize('launcher', ['tdn', 'mmaction-tools'])
def test_demo_config_trains_through_bad_videos(toy_with_bad_videos,
                                               tmp_path, launcher):
    root = toy_with_bad_videos
    work_dir = tmp_path / 'run'
    loader = dict(batch_size=4, num_workers=0, persistent_workers=False)
    options = [f'{split}_dataloader.{k}={v}' for split in ('train', 'val')
               for k, v in loader.items()]
    options += [f'train_dataloader.dataset.ann_file={root}/train.txt',
                f'val_dataloader.dataset.ann_file={root}/val.txt',
                f'train_dataloader.dataset.data_prefix.video={root}/videos',
                f'val_dataloader.dataset.data_prefix.video={root}/videos',
                'train_cfg.max_epochs=1', 'train_cfg.val_interval=1']
    config = 'configs/demo/tdn_toy-motion.py'
    if launcher == 'tdn':
        assert run(['train', config, '--work-dir', str(work_dir),
                    '--cfg-options', *options]) == 0
    else:
        out = subprocess.run(
            [sys.executable, _mmaction_train_tool(), config, '--work-dir',
             str(work_dir), '--cfg-options', *options],
            capture_output=True, text=True)
        assert out.returncode == 0, out.stderr[-3000:]
    (log_file, ) = glob.glob(str(work_dir / '*' / '*.log'))
    log = open(log_file).read()
    for name in ('truncated.mp4', 'empty.mp4', 'missing.mp4'):
        assert log.count(str(root / 'videos' / name)) == 1, name
    assert 'All 10 val videos were read' in log
    ckpt = CheckpointLoader.load_checkpoint(str(work_dir / 'epoch_1.pth'), map_location='cpu')
    assert ckpt['meta']['epoch'] == 1
