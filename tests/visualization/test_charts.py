"""Charts: no marker hidden behind another, titles inside their figure,
with MMAction2's long config names."""
import itertools
import math
from types import SimpleNamespace

import numpy as np
import pytest

from tdn_plugin.visualization import charts

TSN = 'tsn_imagenet-pretrained-r50_8xb32-1x1x3-100e_kinetics400-rgb'
TSM = 'tsm_imagenet-pretrained-r50_8xb16-1x1x8-50e_kinetics400-rgb'
I3D = 'i3d_imagenet-pretrained-r50_8xb8-32x2x1-100e_kinetics400-rgb'


def result(name, kind, top1, gmacs, ms, params=11.2e6):
    return SimpleNamespace(name=name, kind=kind, top1=top1, params=params,
                           families={'order': top1, 'short-term': top1},
                           gmacs_per_video=gmacs, ms_per_view=ms)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    charts._pyplot().close('all')


def test_spread_moves_only_overlapping_circles_apart():
    points = np.array([[50., 50.], [50., 50.], [52., 49.], [150., 50.]])
    radii = np.array([10., 10., 8., 10.])
    placed = charts.spread(points, radii, (0, 0, 200, 100))
    for i, j in itertools.combinations(range(len(points)), 2):
        assert np.hypot(*(placed[i] - placed[j])) >= radii[i] + radii[j]
    assert np.array_equal(placed[[0, 3]], points[[0, 3]])  # were clear
    assert ((placed - radii[:, None] >= 0).all()
            and (placed[:, 0] + radii <= 200).all()
            and (placed[:, 1] + radii <= 100).all())


def marker_circles(ax):
    """Centre (pixels) and radius (pixels) of each marker of ``ax``."""
    scale = ax.figure.dpi / 72
    circles = []
    for collection in ax.collections:
        centre = ax.transData.transform(collection.get_offsets()[0])
        circles.append((centre, math.sqrt(collection.get_sizes()[0]) / 2
                        * scale))
    return circles


def test_markers_at_the_same_place_are_all_visible():
    """TSN and TSM at the same MACs and top-1 (as in `tdn demo --quick`),
    I3D just above them: no marker covers another in either panel."""
    results = [result(TSN, '2D', 0.30, 0.594, 22.5),
               result(TSM, '2D', 0.30, 0.594, 22.5),
               result(I3D, '3D', 0.31, 0.60, 22.6),
               result('tdn', '2D', 0.69, 0.677, 36.9)]
    fig = charts.accuracy_vs_cost_figure(
        results, {}, 'title', 'GMACs', 'ms', [(0.1, 'chance')])
    for ax in fig.axes[1:3]:
        circles = marker_circles(ax)
        assert len(circles) == 4
        for (a, ra), (b, rb) in itertools.combinations(circles, 2):
            assert np.hypot(*(a - b)) >= ra + rb, (a, b)


def inside_figure(fig, text):
    box = text.get_window_extent(fig.canvas.get_renderer())
    return (box.x0 >= fig.bbox.x0 and box.x1 <= fig.bbox.x1
            and box.y0 >= fig.bbox.y0 and box.y1 <= fig.bbox.y1)


@pytest.mark.parametrize('classes', [3, 10])
def test_a_confusion_title_with_a_config_name_fits(classes):
    confusion = np.arange(classes * classes).reshape(classes, classes)
    title = f'{TSM}: top-1 70.0% on 200 test videos'
    fig = charts.confusion_figure(confusion, [str(c) for c in
                                              range(classes)], title)
    ax, = [a for a in fig.axes if a.get_title()]
    assert inside_figure(fig, ax.title)
    # wrapped, not cut
    assert ''.join(ax.get_title().split()) == ''.join(title.split())
    box = ax.title.get_window_extent(fig.canvas.get_renderer())
    assert box.y0 >= ax.get_window_extent().y1  # above the matrix


def test_chart_titles_with_config_names_fit():
    results = [result(name, '2D', 0.3 + i / 10, 0.6 + i / 10, 20 + i)
               for i, name in enumerate([TSN, TSM, I3D])]
    title = ' and '.join([TSN, TSM, I3D]) + ' on data/my-videos'
    fig = charts.accuracy_vs_cost_figure(results, {}, title, 'GMACs',
                                         'ms')
    assert inside_figure(fig, fig._suptitle)
    assert all(inside_figure(fig, ax.title) for ax in fig.axes)


def test_wrap_breaks_config_names_at_their_separators():
    assert charts._wrap('tsm_imagenet-pretrained', 10) == \
        'tsm_\nimagenet-\npretrained'
    assert charts._wrap('abcdefghijkl', 5) == 'abcde\nfghij\nkl'
