"""`tdn compare`: the README's command on MMAction2's own TSN, TSM and I3D
configs by name (from scratch, a truncated video in the train list, a
contender that cannot run), the report rebuilt from the finished runs, and
the config edits each contender gets."""
import contextlib
import csv
import io
import json
import shlex
import shutil
from pathlib import Path

import numpy as np
import pytest

from tdn_plugin.apis.compare import (
    PREDICTIONS_FILE,
    CompareError,
    CompareSettings,
    prepare_config,
    setup_registries,
)
from tdn_plugin.apis.report import read_predictions
from tdn_plugin.cli.main import main
from tdn_plugin.utils.config_edit import pretrained_sources
from tdn_plugin.utils.errors import describe

# README.md, "Compare recognizers": run as written, then with the smoke
# options (appended: argparse keeps the last value) on tiny data
README_COMPARE = """\
tdn compare configs/tdn/tdn_imagenet-pretrained-r50_8xb16-5x1x8-100e_kinetics400-rgb.py \\
    mmaction::recognition/tsn/tsn_imagenet-pretrained-r50_8xb32-1x1x3-100e_kinetics400-rgb.py \\
    mmaction::recognition/tsm/tsm_imagenet-pretrained-r50_8xb16-1x1x8-50e_kinetics400-rgb.py \\
    mmaction::recognition/i3d/i3d_imagenet-pretrained-r50_8xb8-32x2x1-100e_kinetics400-rgb.py \\
    --data-root data/my-videos/videos --train-list data/my-videos/train.txt \\
    --val-list data/my-videos/val.txt --classes data/my-videos/classes.txt \\
    --pretrained none --epochs 20 --input-size 112 --work-dir work_dirs/compare
"""  # noqa: E501
SMOKE = ['--epochs', '1', '--input-size', '32', '--batch-size', '4',
         '--num-workers', '0', '--latency-rounds', '2']
MMACTION = 'mmaction::recognition/'
TIN = (MMACTION + 'tin/tin_imagenet-pretrained-r50_8xb6-1x1x8-40e_sthv1-'
       'rgb.py')
NAMES = ['tdn_imagenet-pretrained-r50_8xb16-5x1x8-100e_kinetics400-rgb',
         'tsn_imagenet-pretrained-r50_8xb32-1x1x3-100e_kinetics400-rgb',
         'tsm_imagenet-pretrained-r50_8xb16-1x1x8-50e_kinetics400-rgb',
         'i3d_imagenet-pretrained-r50_8xb8-32x2x1-100e_kinetics400-rgb']
FAILED = 'tin_imagenet-pretrained-r50_8xb6-1x1x8-40e_sthv1-rgb'


def readme_argv(extra_configs=()) -> list:
    """The README's command as argv for `main`, with more configs after
    its own and the smoke options."""
    argv = shlex.split(README_COMPARE.replace('\\\n', ' '))[1:]
    last = max(i for i, a in enumerate(argv) if not a.startswith('-')
               and (a.endswith('.py')))
    return argv[:last + 1] + list(extra_configs) + argv[last + 1:] + SMOKE


@pytest.fixture(scope='module')
def my_videos(tiny_videos, tmp_path_factory):
    """The README's layout under a fresh working directory: the tiny
    videos, a truncated one in the train list, classes.txt."""
    root = tmp_path_factory.mktemp('compare_cwd')
    data = root / 'data' / 'my-videos'
    shutil.copytree(tiny_videos, data / 'videos')
    good = (tiny_videos / '000.mp4').read_bytes()
    (data / 'videos' / 'truncated.mp4').write_bytes(good[:len(good) // 3])
    lines = (tiny_videos / 'list.txt').read_text()
    (data / 'train.txt').write_text(lines + 'truncated.mp4 0\n')
    (data / 'val.txt').write_text(lines)
    (data / 'classes.txt').write_text('left\nright\n')
    return root


@pytest.fixture(scope='module')
def compared(my_videos):
    """The README's compare with TIN added (it cannot run on mmcv-lite)."""
    out = io.StringIO()
    with contextlib.chdir(my_videos), contextlib.redirect_stdout(out):
        code = main(readme_argv([TIN]))
    return dict(code=code, work_dir=my_videos / 'work_dirs' / 'compare',
                out=out.getvalue(), cwd=my_videos)


@pytest.mark.slow
def test_readme_compare_runs_2d_and_3d_and_names_the_failure(compared):
    work_dir = compared['work_dir']
    assert compared['code'] == 1  # one contender failed
    results = json.loads((work_dir / 'results.json').read_text())
    assert list(results['models']) == NAMES
    assert list(results['failed']) == [FAILED]
    assert 'mmcv' in results['failed'][FAILED]
    kinds = {name: entry['kind'] for name, entry in results['models'].items()}
    assert kinds == dict(zip(NAMES, ['2D', '2D', '2D', '3D']))
    for name, entry in results['models'].items():
        run = json.loads((work_dir / name / 'compare_run.json').read_text())
        # the numbers are those of the run's own test (MMAction2's AccMetric)
        assert entry['top1'] == round(run['metrics']['acc/top1'], 4)
        assert entry['init'] == 'scratch' and entry['protocol'] == '1x1'
        assert entry['views'] == 1 and entry['gmacs'] > 0
        assert entry['latency']['rounds'] == 2
        assert entry['data_s'] >= 0 and entry['compute_s'] > 0
        assert entry['recipe']['batch_size'] == 4
        # the truncated video, with its model and split; the checkpoint
        assert [Path(v).name for v in entry['unreadable_videos']['train']
                ] == ['truncated.mp4'] and len(entry['unreadable_videos']) == 1
        assert entry['checkpoint'].endswith(f'{name}/epoch_1.pth')
    frames = [results['models'][n]['frames_per_view'] for n in NAMES]
    assert frames == [40, 3, 8, 32]  # TDN 8x5, TSN 3, TSM 8, I3D 32x2x1
    # shared recipe: the first config's optimiser for every model
    optimizers = {json.dumps(e['recipe']['optimizer'], sort_keys=True)
                  for e in results['models'].values()}
    assert len(optimizers) == 1
    settings = results['settings']
    assert settings['recipe']['mode'] == 'shared'
    assert settings['pretrained'] == 'none' and settings['views'] == '1x1'
    # the truncated video was skipped and named in training
    logs = ''.join(p.read_text() for p in work_dir.glob('*/*/*.log'))
    assert 'truncated.mp4' in logs
    rows = list(csv.DictReader((work_dir / 'results.csv').open()))
    assert [r['model'] for r in rows] == NAMES + [FAILED]
    assert 'mmcv' in rows[-1]['failed']
    table = (work_dir / 'results.md').read_text()
    assert f'{FAILED}: **failed**' in table and '| 3D |' in table
    for png in ['accuracy_vs_cost.png'] + [f'confusion_{n}.png'
                                           for n in NAMES]:
        data = (work_dir / png).read_bytes()
        assert data[:8] == b'\x89PNG\r\n\x1a\n' and len(data) > 5_000
    out = compared['out']
    assert f'{FAILED}: FAILED: ' in out and 'GMACs/view x views' in out
    assert 'test protocol 1x1 for every model' in out


@pytest.mark.slow
def test_compare_numbers_match_tdn_test(compared, tmp_path):
    """`tdn test` of the run's checkpoint predicts what compare reports."""
    run_dir = compared['work_dir'] / NAMES[2]
    dump = tmp_path / 'dump.pkl'
    config = next(run_dir.glob('*.py'))
    checkpoint = next(run_dir.glob('epoch_*.pth'))
    with contextlib.chdir(compared['cwd']):
        assert main(['test', str(config), str(checkpoint), '--work-dir',
                     str(tmp_path), '--dump', str(dump)]) == 0
    scores, labels = read_predictions(dump)
    ours, our_labels = read_predictions(run_dir / PREDICTIONS_FILE)
    np.testing.assert_array_equal(labels, our_labels)
    np.testing.assert_allclose(scores, ours, rtol=0, atol=1e-6)


@pytest.mark.slow
def test_compare_from_work_dirs_gives_the_same_table(compared, tmp_path):
    work_dir = compared['work_dir']
    again = tmp_path / 'again'
    with contextlib.chdir(compared['cwd']):
        assert main(['compare', '--from-work-dirs'] +
                    [str(work_dir / n) for n in NAMES[2:]] +
                    ['--work-dir', str(again), '--latency-rounds', '2']) == 0
    keep = ('top1', 'top5', 'mean_class_accuracy', 'params', 'gmacs',
            'views', 'frames_per_view', 'kind', 'protocol')
    first, second = (json.loads((w / 'results.json').read_text())['models']
                     for w in (work_dir, again))
    for name in NAMES[2:]:
        assert {k: second[name][k] for k in keep} == \
            {k: first[name][k] for k in keep}


def _prepare(config: str, tmp_path: Path, **settings):
    setup_registries()
    settings = dict(dict(epochs=1, input_size=48), **settings)
    return prepare_config(config, tmp_path, CompareSettings(
        data_root='/videos', train_list='/t.txt', val_list='/v.txt',
        **settings), num_classes=5)


@pytest.mark.parametrize('config', [
    'tsm/tsm_imagenet-pretrained-r50_8xb16-1x1x8-50e_kinetics400-rgb.py',
    'i3d/i3d_imagenet-pretrained-r50_8xb8-32x2x1-100e_kinetics400-rgb.py',
    'c3d/c3d_sports1m-pretrained_8xb30-16x1x1-45e_ucf101-rgb.py',
    'timesformer/timesformer_divST_8xb8-8x32x1-15e_kinetics400-rgb.py',
    'tanet/tanet_imagenet-pretrained-r50_8xb8-dense-1x1x8-100e_kinetics400-'
    'rgb.py',
])
def test_pretrained_none_clears_every_source(config, tmp_path):
    size = 112 if config.startswith('c3d') else 48  # C3D's fc: 112 only
    cfg = _prepare(MMACTION + config, tmp_path, pretrained='none',
                   input_size=size)
    assert pretrained_sources(cfg) == []
    assert not cfg.model.backbone.get('pretrained2d')
    assert cfg.model.cls_head.num_classes == 5
    assert cfg.test_dataloader.dataset.ann_file == '/v.txt'
    # the bad-video policy and one protocol, whatever the config said
    assert cfg.runner_type == 'BadVideoRunner'
    assert cfg.bad_videos == dict(skip=True, strict=False,
                                  max_consecutive=100)
    assert 'CenterCrop' in [t['type'] for t in
                            cfg.test_dataloader.dataset.pipeline]
    assert cfg.test_evaluator[-1]['type'] == 'DumpResults'
    assert cfg.val_dataloader is None and cfg.train_cfg.max_epochs == 1


def test_every_contender_gets_the_walk_decoder_unless_own(tmp_path):
    config = MMACTION + ('tsm/tsm_imagenet-pretrained-r50_8xb16-1x1x8-50e_'
                         'kinetics400-rgb.py')
    for decoder, expected in (('walk', 'DecordWalkDecode'),
                              ('own', 'DecordDecode')):
        cfg = _prepare(config, tmp_path, decoder=decoder, pretrained='none')
        for loader in ('train_dataloader', 'test_dataloader'):
            types = [t['type'] for t in cfg[loader].dataset.pipeline]
            assert types[2] == expected, (decoder, types)


def test_an_input_size_a_model_cannot_take_is_one_line(tmp_path):
    with pytest.raises(CompareError, match='--input-size 112'):
        _prepare(MMACTION + 'c3d/c3d_sports1m-pretrained_8xb30-16x1x1-45e_'
                 'ucf101-rgb.py', tmp_path, pretrained='none')


def test_pretrained_keep_names_weights_it_cannot_load(tmp_path):
    missing = str(tmp_path / 'resnet50.pth')
    with pytest.raises(CompareError) as error:
        _prepare(MMACTION + 'tsm/tsm_imagenet-pretrained-r50_8xb16-1x1x8-'
                 '50e_kinetics400-rgb.py', tmp_path,
                 cfg_options={'model.backbone.pretrained': missing})
    assert missing in str(error.value)
    assert '--pretrained none' in str(error.value)


def test_own_recipe_scales_lr_to_the_batch_used(tmp_path):
    cfg = _prepare(MMACTION + 'tsm/tsm_imagenet-pretrained-r50_8xb16-1x1x8-'
                   '50e_kinetics400-rgb.py', tmp_path, pretrained='none',
                   recipe='own', batch_size=4)
    assert cfg.auto_scale_lr == dict(enable=True, base_batch_size=128)
    assert cfg.train_dataloader.batch_size == 4


def test_test_only_and_mmcv_ops_configs_fail_in_one_line(tmp_path):
    with pytest.raises(CompareError, match='test-only config'):
        _prepare(MMACTION + 'x3d/x3d_s_13x6x1_facebook-kinetics400-rgb.py',
                 tmp_path)
    with pytest.raises(CompareError, match='mmcv-lite'):
        _prepare(TIN, tmp_path, pretrained='none')


def test_a_data_loader_worker_error_is_told_by_its_last_line():
    error = RuntimeError(
        'Caught BadVideoError in DataLoader worker process 0.\nOriginal '
        'Traceback (most recent call last):\n  File "x.py", line 1\n'
        'tdn_plugin.datasets.skip_bad_videos.BadVideoError: cannot load '
        'videos/bad.mp4: DECORDError')
    assert describe(error).endswith('cannot load videos/bad.mp4: '
                                    'DECORDError')


def test_a_missing_config_is_one_line_and_the_request_fails(tmp_path,
                                                            capsys):
    assert main(['compare', str(tmp_path / 'nope.py'), '--work-dir',
                 str(tmp_path / 'w')]) == 1
    out = capsys.readouterr().out
    assert 'nope: FAILED: ' in out and 'not found' in out
    assert 'Traceback' not in out
    results = json.loads((tmp_path / 'w' / 'results.json').read_text())
    assert list(results['failed']) == ['nope']


def test_one_tiny_model_and_a_failing_one_end_to_end(tiny_config,
                                                     tmp_path, capsys):
    """The fast check: one tiny 2D model for an epoch, and TIN, which
    cannot run on mmcv-lite, named in every output."""
    assert main(['compare', tiny_config, TIN, '--epochs', '1',
                 '--pretrained', 'none', '--latency-rounds', '1',
                 '--work-dir', str(tmp_path)]) == 1
    results = json.loads((tmp_path / 'results.json').read_text())
    assert list(results['models']) == ['tdn_tiny']
    assert list(results['failed']) == [FAILED]
    assert results['models']['tdn_tiny']['frames_per_view'] == 20
    assert results['models']['tdn_tiny']['checkpoint'] == str(
        tmp_path / 'tdn_tiny' / 'epoch_1.pth')
    rows = list(csv.DictReader((tmp_path / 'results.csv').open()))
    assert [r['model'] for r in rows] == ['tdn_tiny', FAILED]
    assert f'{FAILED}: **failed**' in (tmp_path / 'results.md').read_text()
    assert (tmp_path / 'accuracy_vs_cost.png').read_bytes()[:4] == \
        b'\x89PNG'
    assert f'{FAILED}: FAILED: ' in capsys.readouterr().out


def test_readme_shows_the_compare_command_these_tests_run():
    """The command the slow tests run is the README's, to the letter."""
    readme = (Path(__file__).parents[2] / 'README.md').read_text()
    assert README_COMPARE in readme


@pytest.mark.parametrize('given, expected', [(None, 2), (5, 5), (0, 0)])
def test_num_workers_capped_at_the_cores_unless_given(given, expected,
                                                      tmp_path, monkeypatch):
    """MMAction2's configs ask for 8 workers; on 2 cores they get 2."""
    import tdn_plugin.apis.compare as compare_api
    monkeypatch.setattr(compare_api, 'available_cores', lambda: 2)
    cfg = _prepare(MMACTION + 'tsm/tsm_imagenet-pretrained-r50_8xb16-1x1x8-'
                   '50e_kinetics400-rgb.py', tmp_path, pretrained='none',
                   num_workers=given)
    assert cfg.train_dataloader.num_workers == expected
    assert cfg.test_dataloader.num_workers == expected


def test_names_must_name_each_config_once(tmp_path):
    from tdn_plugin.apis.compare import CompareError, compare
    with pytest.raises(CompareError, match='--names gives 1 name'):
        compare(['a.py', 'b.py'], tmp_path, names=['one'])
