"""Accuracies from hand-made predictions (per family, mean class,
confusion) and the report writers."""
import json

import numpy as np
import pytest

from tdn_plugin.apis.data import DataError, load_families
from tdn_plugin.apis.report import (
    ModelResult,
    accuracy,
    format_table,
    markdown_table,
    write_csv,
    write_json,
)

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
    with pytest.raises(DataError, match="family 'x' names classes not in "
                       'the class list: sideways'):
        load_families(tmp_path / 'families.json', CLASSES)


def test_writers_carry_the_numbers(tmp_path):
    acc = accuracy(_scores(), LABELS, {'horizontal': [0, 1]})
    result = ModelResult(
        name='tdn', config='configs/demo/tdn_toy-motion.py', top1=acc.top1,
        top5=acc.top5, mean_class=acc.mean_class, params=11_500_000,
        gmacs=0.17, views=3, frames_per_view=20,
        latency=dict(min_ms=10.0, median_ms=12.0, max_ms=15.0, rounds=5),
        families=acc.families, confusion=acc.confusion)
    table = format_table([result])
    assert 'horizontal' in table and '62.5%' in table and '0.170 x 3' in table
    assert '| **tdn** |' in markdown_table([result])
    write_json([result], tmp_path / 'r.json', settings={'seed': 0},
               failed={'tin': 'needs compiled mmcv ops'})
    data = json.loads((tmp_path / 'r.json').read_text())
    entry = data['models']['tdn']
    assert entry['families'] == {'horizontal': {'top1': 0.75}}
    assert entry['gmacs_per_video'] == pytest.approx(0.51)
    assert entry['cpu_ms_per_clip'] == 12.0
    assert data['failed'] == {'tin': 'needs compiled mmcv ops'}
    write_csv([result], tmp_path / 'r.csv')
    header, row = (tmp_path / 'r.csv').read_text().splitlines()
    assert 'top1_horizontal' in header and ',0.75,' in row
