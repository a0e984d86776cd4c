"""Accuracies from hand-made predictions (per family, mean class,
confusion) and the report writers."""
import json

import numpy as np
import pytest

from tdn_plugin.apis.report import (
    ModelResult,
    ReportError,
    accuracy,
    check_protocol,
    markdown,
    print_report,
    write_report,
)
from tdn_plugin.utils.video_io import ListFileError, load_families

CLASSES = ['right', 'left', 'up', 'down']
# 8 videos: labels and the predicted class (scores put 0.7 on it)
LABELS = np.array([0, 0, 1, 1, 2, 2, 3, 3])
PREDICTED = np.array([0, 1, 1, 1, 2, 3, 0, 3])


def _scores():
    scores = np.full((len(LABELS), len(CLASSES)), 0.1)
    scores[np.arange(len(LABELS)), PREDICTED] = 0.7
    return scores


def test_accuracy_per_family_mean_class_and_confusion(tmp_path):
    (tmp_path / 'families.json').write_text(json.dumps(
        {'horizontal': ['right', 'left'], 'vertical': ['up', 'down']}))
    families = load_families(tmp_path / 'families.json', CLASSES)
    assert families == {'horizontal': [0, 1], 'vertical': [2, 3]}
    acc = accuracy(_scores(), LABELS, families)
    assert acc.top1 == pytest.approx(5 / 8)
    assert acc.top5 == 1.0  # 4 classes: every label is in the top 4
    # per class: right 1/2, left 2/2, up 1/2, down 1/2
    assert acc.mean_class == pytest.approx((0.5 + 1 + 0.5 + 0.5) / 4)
    assert acc.families == {'horizontal': pytest.approx(3 / 4),
                            'vertical': pytest.approx(2 / 4)}
    assert acc.confusion.tolist() == [[1, 1, 0, 0], [0, 2, 0, 0],
                                      [0, 0, 1, 1], [1, 0, 0, 1]]


def test_a_family_naming_an_unknown_class_is_one_clear_error(tmp_path):
    (tmp_path / 'families.json').write_text(json.dumps({'x': ['sideways']}))
    with pytest.raises(ListFileError, match="family 'x' names classes not in "
                       'the class list: sideways'):
        load_families(tmp_path / 'families.json', CLASSES)


def _result(name='tdn', **changes):
    acc = accuracy(_scores(), LABELS, {'horizontal': [0, 1]})
    fields = dict(
        name=name, config='configs/demo/tdn_toy-motion.py', top1=acc.top1,
        top5=acc.top5, mean_class=acc.mean_class, params=11_500_000,
        gmacs=0.17, views=3, protocol='3crop', frames_per_view=20,
        latency=dict(min_ms=10.0, median_ms=12.0, max_ms=15.0, rounds=5),
        families=acc.families, confusion=acc.confusion)
    fields.update(changes)
    return ModelResult(**fields)


def test_every_output_carries_the_numbers_and_the_failure(tmp_path,
                                                          capsys):
    results = [_result(), _result(
        'i3d', kind='3D', gmacs=1.5, checkpoint='w/i3d/epoch_3.pth',
        unreadable={'test': {'v/bad.mp4': 'moov atom not found'}})]
    failed = {'tin': 'needs compiled mmcv ops'}
    files = write_report(results, failed, tmp_path, {'seed': 0},
                         'two models', CLASSES, [(0.25, 'chance')])
    print_report(results, failed, files)
    out = capsys.readouterr().out
    assert 'horizontal' in out and '62.5%' in out and '0.170 x 3' in out
    assert 'tin: FAILED: needs compiled mmcv ops' in out
    assert 'test protocol 3crop for every model' in out
    data = json.loads(files['results'].read_text())
    entry = data['models']['tdn']
    assert entry['families'] == {'horizontal': {'top1': 0.75}}
    assert entry['gmacs_per_video'] == pytest.approx(0.51)
    assert entry['cpu_ms_per_clip'] == 12.0
    assert data['models']['i3d']['kind'] == '3D'
    assert data['failed'] == failed and data['settings'] == {'seed': 0}
    # the unreadable videos with their model and split, in every output
    assert data['models']['i3d']['checkpoint'] == 'w/i3d/epoch_3.pth'
    assert data['models']['i3d']['unreadable_videos'] == {
        'test': {'v/bad.mp4': 'moov atom not found'}}
    assert data['models']['tdn']['unreadable_videos'] == {}
    assert 'i3d: unreadable videos: test: v/bad.mp4 (moov atom' in out
    assert 'test: v/bad.mp4 (moov atom not found)' in files[
        'csv'].read_text()
    assert '- i3d: unreadable videos (skipped in training, scored as ' \
        'blank clips in test): test: v/bad.mp4' in files['table'].read_text()
    header, *rows = files['csv'].read_text().splitlines()
    assert 'top1_horizontal' in header and ',0.75,' in rows[0]
    assert rows[-1].startswith('tin,') and 'mmcv' in rows[-1]
    text = files['table'].read_text()
    assert '| tdn | 2D |' in text and '| i3d | 3D |' in text
    assert '- tin: **failed**: needs compiled mmcv ops' in text
    for key in ('chart', 'confusion_tdn', 'confusion_i3d'):
        assert files[key].read_bytes()[:4] == b'\x89PNG'


def test_markdown_and_every_result_without_a_failure():
    assert 'failed' not in markdown([_result()], {})


def test_mixed_test_protocols_are_refused():
    with pytest.raises(ReportError, match='tdn 3crop, tsm 1x1'):
        check_protocol([_result(), _result('tsm', protocol='1x1')])
