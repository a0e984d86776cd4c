import numpy as np
import pytest

from tdn_plugin.apis.ensemble import combine, read_labels
from tdn_plugin.utils.video_io import ListFileError


def test_release_rule_sums_relu_clipped_logits():
    a = [np.array([[2., -1., 0.5], [1., 3., -2.]])]
    b = [np.array([[-4., 1., 1.]])]
    np.testing.assert_allclose(combine([a, b], 'relu-sum'),
                               [[3., 4., 1.5]])


def test_softmax_mean_averages_probabilities_over_views_and_models():
    a = [np.array([[0., 0.], [np.log(3.), 0.]])]  # views: .5/.5, .75/.25
    b = [np.array([[0., np.log(3.)]])]  # .25/.75
    np.testing.assert_allclose(combine([a, b], 'softmax-mean'),
                               [[(0.625 + 0.25) / 2, (0.375 + 0.75) / 2]])


def test_labels_without_a_number_name_the_line(tmp_path):
    ann = tmp_path / 'list.txt'
    ann.write_text('a.mp4 0\nb.mp4\n')
    with pytest.raises(ListFileError, match='list.txt:2'):
        read_labels(str(ann))
