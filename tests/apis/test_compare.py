"""`tdn compare` end to end on two tiny configs, a broken one, and the
report rebuilt from the finished runs."""
import contextlib
import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest

from tdn_plugin.apis.compare import (
    PREDICTIONS_FILE,
    CompareSettings,
    prepare_config,
    read_predictions,
)
from tdn_plugin.cli.main import main


def _tsm_config(tiny_config: str, directory: Path) -> str:
    """The tiny TDN config turned into a TSM one (SampleFrames, T = 4)."""
    text = Path(tiny_config).read_text()
    for tdn, tsm in (("type='TDNRecognizer'", "type='Recognizer2D'"),
                     ("type='ResNetTDN'", "type='ResNetTSM'"),
                     ('frames_per_segment=5, pretrained=None',
                      'pretrained=None, pretrained2d=False')):
        assert tdn in text
        text = text.replace(tdn, tsm)
    text = text.replace(
        "dict(type='TDNSampleFrames', num_segments=4)",
        "dict(type='SampleFrames', clip_len=1, frame_interval=1, "
        "num_clips=4)")
    text = text.replace(
        "dict(type='TDNSampleFrames', num_segments=4, test_mode=True)",
        "dict(type='SampleFrames', clip_len=1, frame_interval=1, "
        "num_clips=4, test_mode=True)")
    path = directory / 'tsm_tiny.py'
    path.write_text(text)
    return str(path)


@pytest.fixture(scope='module')
def compared(tiny_config, tmp_path_factory):
    """`tdn compare TDN TSM BROKEN --epochs 1`: its work dir and output."""
    root = tmp_path_factory.mktemp('compare')
    tsm = _tsm_config(tiny_config, root)
    broken = root / 'broken_tiny.py'
    broken.write_text(Path(tiny_config).read_text().replace(
        "type='ResNetTDN'", "type='NoSuchBackbone'"))
    work_dir = root / 'work'
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(['compare', tiny_config, tsm, str(broken), '--epochs',
                     '1', '--work-dir', str(work_dir), '--latency-rounds',
                     '2'])
    return dict(code=code, work_dir=work_dir, configs=[tiny_config, tsm],
                out=out.getvalue())


def _table(results: dict) -> dict:
    """Everything of results.json that does not depend on timing."""
    keep = ('top1', 'top5', 'mean_class_accuracy', 'params', 'gmacs',
            'views', 'gmacs_per_video', 'frames_per_view', 'data_s',
            'compute_s')
    return {name: {k: entry[k] for k in keep}
            for name, entry in results['models'].items()}


@pytest.mark.slow
def test_compare_two_configs_and_a_broken_one(compared):
    work_dir = compared['work_dir']
    assert compared['code'] == 1  # one config failed
    results = json.loads((work_dir / 'results.json').read_text())
    assert list(results['models']) == ['tdn_tiny', 'tsm_tiny']
    assert list(results['failed']) == ['broken_tiny']
    assert 'NoSuchBackbone' in results['failed']['broken_tiny']
    for name, entry in results['models'].items():
        run = json.loads((work_dir / name / 'compare_run.json').read_text())
        # the numbers are those of the run's own test (MMAction2's AccMetric)
        assert entry['top1'] == round(run['metrics']['acc/top1'], 4)
        assert entry['top5'] == round(run['metrics']['acc/top5'], 4)
        assert entry['params'] > 1e6 and entry['gmacs'] > 0
        assert entry['latency']['rounds'] == 2
        assert entry['latency']['min_ms'] <= entry['latency']['median_ms'] \
            <= entry['latency']['max_ms']
        assert entry['data_s'] >= 0 and entry['compute_s'] > 0
        assert entry['views'] == 1
    assert results['models']['tdn_tiny']['frames_per_view'] == 20
    assert results['models']['tsm_tiny']['frames_per_view'] == 4
    settings = results['settings']
    assert settings['epochs'] == 1 and settings['seed'] == 0
    assert settings['threads'] >= 1 and 'torch' in settings['versions']
    assert settings['machine']['cores'] >= 1
    rows = list(csv.DictReader((work_dir / 'results.csv').open()))
    assert [r['model'] for r in rows] == ['tdn_tiny', 'tsm_tiny']
    assert float(rows[0]['top1']) == pytest.approx(
        results['models']['tdn_tiny']['top1'], abs=1e-4)
    assert '| tdn_tiny |' in (work_dir / 'results.md').read_text()
    for png in ('accuracy_vs_cost.png', 'confusion_tdn_tiny.png'):
        data = (work_dir / png).read_bytes()
        assert data[:8] == b'\x89PNG\r\n\x1a\n' and len(data) > 5_000
    out = compared['out']
    assert 'broken_tiny: FAILED: ' in out
    assert 'tdn_tiny' in out and 'GMACs/view x views' in out


@pytest.mark.slow
def test_compare_numbers_match_tdn_test(compared, tmp_path):
    """`tdn test` of the run's checkpoint predicts what compare reports."""
    work_dir = compared['work_dir']
    results = json.loads((work_dir / 'results.json').read_text())
    dump = tmp_path / 'dump.pkl'
    checkpoint = results['models']['tdn_tiny']['checkpoint'] or next(
        (work_dir / 'tdn_tiny').glob('epoch_*.pth'))
    assert main(['test', compared['configs'][0], str(checkpoint),
                 '--work-dir', str(tmp_path), '--dump', str(dump)]) == 0
    scores, labels = read_predictions(dump)
    ours, our_labels = read_predictions(work_dir / 'tdn_tiny' /
                                        PREDICTIONS_FILE)
    np.testing.assert_array_equal(labels, our_labels)
    np.testing.assert_allclose(scores, ours, rtol=0, atol=1e-6)
    top1 = float((scores.argmax(1) == labels).mean())
    assert results['models']['tdn_tiny']['top1'] == round(top1, 4)


@pytest.mark.slow
def test_compare_from_work_dirs_gives_the_same_table(compared, tmp_path):
    work_dir = compared['work_dir']
    again = tmp_path / 'again'
    assert main(['compare', '--from-work-dirs', str(work_dir / 'tdn_tiny'),
                 str(work_dir / 'tsm_tiny'), '--work-dir', str(again),
                 '--latency-rounds', '2']) == 0
    first = json.loads((work_dir / 'results.json').read_text())
    second = json.loads((again / 'results.json').read_text())
    assert _table(second) == _table(first)


def test_prepare_config_sets_the_shared_budget(tiny_config, tmp_path):
    settings = CompareSettings(data_root='/videos', train_list='/t.txt',
                               val_list='/v.txt', epochs=1, input_size=48,
                               views='3crop', seed=7)
    cfg = prepare_config(tiny_config, tmp_path, settings, num_classes=5)
    assert cfg.train_dataloader.dataset.ann_file == '/t.txt'
    assert cfg.test_dataloader.dataset.ann_file == '/v.txt'
    assert cfg.test_dataloader.dataset.data_prefix == dict(video='/videos')
    assert cfg.model.cls_head.num_classes == 5
    assert cfg.train_cfg.max_epochs == 1 and cfg.randomness.seed == 7
    assert cfg.val_dataloader is None
    types = [t['type'] for t in cfg.test_dataloader.dataset.pipeline]
    assert 'ThreeCrop' in types
    assert cfg.test_evaluator[-1]['type'] == 'DumpResults'


def test_prepare_config_takes_mmaction2s_config_and_cfg_options(tmp_path):
    """MMAction2's own TSM-R50 by name, made offline-ready by an option
    merged before the budget."""
    settings = CompareSettings(
        data_root='/videos', train_list='/t.txt', val_list='/v.txt',
        epochs=2, input_size=64,
        cfg_options={'model.backbone.pretrained': None})
    cfg = prepare_config(
        'mmaction::recognition/tsm/'
        'tsm_imagenet-pretrained-r50_8xb16-1x1x8-50e_kinetics400-rgb.py',
        tmp_path, settings, num_classes=3)
    assert cfg.model.backbone.type == 'ResNetTSM'
    assert cfg.model.backbone.pretrained is None
    assert cfg.model.cls_head.num_classes == 3
    assert cfg.train_cfg.max_epochs == 2
    assert cfg.train_dataloader.dataset.ann_file == '/t.txt'


def test_a_missing_config_is_one_line_and_the_request_fails(tmp_path,
                                                            capsys):
    assert main(['compare', str(tmp_path / 'nope.py'), '--work-dir',
                 str(tmp_path / 'w')]) == 1
    out = capsys.readouterr().out
    assert 'nope: FAILED: ' in out and 'config file not found' in out
    assert 'Traceback' not in out
