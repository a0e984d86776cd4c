import numpy as np
import pytest
import torch

from tdn_plugin.deploy.graph import ClipScores
from tdn_plugin.deploy.parity import (
    ParityError,
    check_parity,
    relative_difference,
    top1_accuracy,
)


def test_relative_difference():
    assert relative_difference([1.0, 2.0], [1.0, 2.0]) == 0
    assert relative_difference([1.0, 2.5], [1.0, 2.0]) == pytest.approx(0.25)
    assert relative_difference([1.0], [1.0, 2.0]) == float('inf')


def test_check_parity_passes_the_model_itself_and_fails_a_wrong_one(
        demo_models):
    cfg, model = demo_models('tsm')
    wrapped = ClipScores(model)

    def exact(frames):
        with torch.no_grad():
            return wrapped(torch.from_numpy(frames)).numpy()

    frames = [torch.randn(4, 3, 64, 64), torch.randn(8, 3, 64, 64)]
    rows = check_parity(model, dict(exact=exact), [], frames)
    assert [r['views'] for r in rows] == [1, 2]
    assert all(r['relative'] <= 1e-6 and r['top1_equal'] for r in rows)
    with pytest.raises(ParityError, match=r'wrong differs .* on random 0'):
        check_parity(model, dict(wrong=lambda f: exact(f) * 1.01), [],
                     frames[:1])


def test_top1_accuracy_counts_hits():
    from mmaction.structures import ActionDataSample
    clips = []
    for label in (0, 1, 1):
        sample = ActionDataSample().set_gt_label(label)
        clips.append(dict(inputs=torch.zeros(4, 3, 8, 8, dtype=torch.uint8),
                          data_samples=sample))

    def preprocessor(data, training):
        return dict(inputs=torch.stack(data['inputs']).float())

    always_one = lambda frames: np.array([0.2, 0.8])  # noqa: E731
    assert top1_accuracy(always_one, preprocessor, clips) == \
        pytest.approx(200 / 3)
