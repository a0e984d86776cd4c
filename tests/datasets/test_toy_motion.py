"""Tests of the toy motion dataset generator and ``tdn make-toy-data``."""
import json
from collections import Counter

import numpy as np
import pytest

from tdn_plugin.cli.main import main as tdn_main
from tdn_plugin.cli.main import run as tdn_run
from tdn_plugin.datasets.toy_motion import (
    ALL_CLASSES,
    CLASSES,
    DEFAULT_FAMILIES,
    DEFAULT_NUM_FRAMES_RANGE,
    FAMILIES,
    FAMILIES_FILE,
    META_FILE,
    SPINNER_SYMMETRY,
    SceneObject,
    Track,
    draw_object,
    family_classes,
    family_of,
    fast_phases,
    has_twin,
    is_forward_class,
    load_frames,
    make_toy_motion,
    read_families,
    read_video_list,
    render_forward_sample,
    render_video,
    sample_main_object,
    sample_main_track,
    sample_rng,
    twin_class,
    write_video,
)

FORWARD_CLASSES = [c for c in range(len(ALL_CLASSES))
                   if has_twin(c) and is_forward_class(c)]
# mean absolute error of mp4v round trips is ~6 (mostly the noise)
MAX_CODEC_ERROR = 10.0


def _make_tiny(out_dir, **kwargs):
    options = dict(videos_per_class=1, val_per_class=1, progress=False)
    options.update(kwargs)
    return make_toy_motion(out_dir, **options)


def _expected_samples(out_dir, seed):
    """(file, label, split, index in class) of every listed video."""
    samples = []
    for split in ('train', 'val'):
        seen = Counter()
        for filename, label in read_video_list(out_dir / f'{split}.txt'):
            samples.append((filename, label, split, seen[label]))
            seen[label] += 1
    return samples


def test_classes_come_in_reversed_twin_pairs():
    assert len(set(ALL_CLASSES)) == len(ALL_CLASSES)
    assert CLASSES == [name for family in DEFAULT_FAMILIES
                       for name in FAMILIES[family]]
    assert set(DEFAULT_FAMILIES) == {'order', 'short-term'}
    twins = [c for c in range(len(ALL_CLASSES)) if has_twin(c)]
    assert {family_of(c) for c in twins} == {'order', 'short-term'}
    assert len(FORWARD_CLASSES) * 2 == len(twins)
    for forward in FORWARD_CLASSES:
        twin = twin_class(forward)
        assert not is_forward_class(twin)
        assert twin_class(twin) == forward
        assert family_of(twin) == family_of(forward)
    for forward, twin in (('moving_right', 'moving_left'),
                          ('growing', 'shrinking'),
                          ('stripes_drifting_right', 'stripes_drifting_left'),
                          ('spinning_clockwise', 'spinning_anticlockwise')):
        assert ALL_CLASSES[twin_class(ALL_CLASSES.index(forward))] == twin
    for name in FAMILIES['appearance']:
        assert is_forward_class(ALL_CLASSES.index(name))
        with pytest.raises(ValueError):
            twin_class(ALL_CLASSES.index(name))
    with pytest.raises(ValueError):
        twin_class(len(ALL_CLASSES))


@pytest.mark.parametrize('forward', FORWARD_CLASSES)
def test_twin_is_the_forward_video_reversed(forward):
    # also: within an order or short-term pair, any one frame (and the bag
    # of all frames) has exactly the same distribution for both classes
    for state in (3, 11):
        frames = render_video(forward, np.random.default_rng(state))
        twin = render_video(twin_class(forward), np.random.default_rng(state))
        np.testing.assert_array_equal(twin, frames[::-1])
        # as a bag, the frames of the pair are the same
        assert sorted(f.tobytes() for f in twin) == sorted(
            f.tobytes() for f in frames)
        # and the video is not a palindrome: the order carries the class
        assert np.abs(frames[0].astype(int) - frames[-1]).mean() > 1


def test_render_video_shape_range_and_determinism():
    low, high = DEFAULT_NUM_FRAMES_RANGE
    lengths = set()
    for class_index in range(len(ALL_CLASSES)):
        frames = render_video(class_index, sample_rng(0, 'train',
                                                      class_index, 0))
        assert frames.dtype == np.uint8
        assert frames.shape[1:] == (64, 64, 3)
        assert low <= len(frames) <= high
        lengths.add(len(frames))
        again = render_video(class_index, sample_rng(0, 'train',
                                                     class_index, 0))
        np.testing.assert_array_equal(frames, again)
        other = render_video(class_index, sample_rng(1, 'train',
                                                     class_index, 0))
        assert other.shape != frames.shape or not np.array_equal(
            other, frames)
    assert len(lengths) > 1  # random lengths
    small = render_video(0, np.random.default_rng(0), size=32,
                         num_frames_range=(8, 8))
    assert small.shape == (8, 32, 32, 3)
    with pytest.raises(ValueError):
        render_video(0, np.random.default_rng(0), size=63)
    with pytest.raises(ValueError):
        render_video(len(ALL_CLASSES), np.random.default_rng(0))


def test_forward_tracks_move_as_named():
    size, num_frames = 64, 30
    for state in range(20):
        track = {
            name: sample_main_track(ALL_CLASSES.index(name), num_frames, size,
                                    np.random.default_rng(state))
            for name in ('moving_right', 'growing', 'appearing')
        }
        dx, dy = track['moving_right'].centres[-1] - \
            track['moving_right'].centres[0]
        assert dx > 0.4 * size and abs(dy) < 0.15 * dx
        assert np.all(np.diff(track['growing'].radii) > 0)
        assert track['growing'].radii[-1] > 2 * track['growing'].radii[0]
        assert np.all(np.diff(track['appearing'].opacities) > 0)
        assert track['appearing'].opacities[-1] == 1
        for name, moving in track.items():
            # the object stays (mostly) in the frame
            margin = moving.radii.max()
            assert np.all(moving.centres > -0.01 * margin)
            assert np.all(moving.centres < size + 0.01 * margin), name
    with pytest.raises(ValueError):
        sample_main_track(ALL_CLASSES.index('moving_left'), 10, size,
                          np.random.default_rng(0))
    with pytest.raises(ValueError):
        sample_main_track(ALL_CLASSES.index('stripes_drifting_right'), 10,
                          size, np.random.default_rng(0))


def test_short_term_objects_step_forward_by_less_than_half_a_cycle():
    size, num_frames = 64, 40
    for state in range(20):
        stripes = sample_main_object(
            ALL_CLASSES.index('stripes_drifting_right'), num_frames, size,
            np.random.default_rng(state))
        steps = np.diff(stripes.pattern.phases)
        assert np.all((steps > 0.05) & (steps < 0.47))
        assert abs(np.rad2deg(stripes.pattern.direction)) <= 25
        # the disc does not turn and has no marker: no long-range cue
        assert np.ptp(stripes.track.angles) == 0
        assert stripes.marker_colour is None
        spinner = sample_main_object(
            ALL_CLASSES.index('spinning_clockwise'), num_frames, size,
            np.random.default_rng(state))
        symmetry = 2 * np.pi / SPINNER_SYMMETRY[spinner.shape]
        turns = np.diff(spinner.track.angles) / symmetry
        assert np.all((turns > 0.05) & (turns < 0.47))
        assert spinner.marker_colour is None
    with pytest.raises(ValueError):
        sample_main_object(ALL_CLASSES.index('spinning_anticlockwise'), 10,
                           size, np.random.default_rng(0))


def _first_circular_moment(phases: np.ndarray, lag: int) -> complex:
    """E exp(2 pi i (phase[t + lag] - phase[t])) over all pairs."""
    return np.exp(2j * np.pi * (phases[:, lag:] - phases[:, :-lag])).mean()


def test_fast_phases_are_out_of_phase_one_segment_apart():
    rng = np.random.default_rng(0)
    phases = np.stack([fast_phases(40, rng) for _ in range(4000)])
    # neighbouring frames: a clear step forward (positive sine)
    moment = _first_circular_moment(phases, 1)
    assert abs(moment) > 0.8 and moment.imag > 0.6
    # one segment apart (6-10 frames in the demo): nearly uniform phase
    # difference (analytically 0.02-0.15 at these lags; sampling error of
    # 4000 videos ~0.01)
    for lag in range(6, 11):
        moment = abs(_first_circular_moment(phases, lag))
        # rate uniform over 0.28 cycles, jitter over 0.1: sinc factors
        analytic = abs(np.sinc(0.28 * lag)) * abs(np.sinc(0.1))**lag
        assert moment < 0.2 and abs(moment - analytic) < 0.04, lag
    # the test can fail: a constant rate stays in phase across segments
    constant = np.stack([fast_phases(40, rng, (0.3, 0.31), 0.0)
                         for _ in range(500)])
    assert abs(_first_circular_moment(constant, 8)) > 0.8


def _measured_phases(frames: np.ndarray, scene_object: SceneObject
                     ) -> np.ndarray:
    """The main object's phase per frame, measured from (decoded) pixels:
    the stripes' phase along their direction inside the disc, or a
    spinner's orientation in units of its symmetry angle."""
    gray = frames.astype(np.float64).mean(-1)
    ys, xs = np.mgrid[0:gray.shape[1], 0:gray.shape[2]].astype(np.float64)
    pattern = scene_object.pattern
    phases = []
    for index, frame in enumerate(gray):
        centre_x, centre_y = scene_object.track.centres[index]
        radius = scene_object.track.radii[index]
        dx, dy = xs - centre_x, ys - centre_y
        distance = np.hypot(dx, dy)
        if pattern is not None:
            inside = distance < 0.8 * radius
            along = (dx * np.cos(pattern.direction) +
                     dy * np.sin(pattern.direction)) / pattern.period
            # the stripes go as sin(2 pi (along - phase))
            weight = np.exp(-2j * np.pi * along)
        else:
            inside = (distance > 0.4 * radius) & (distance < 1.1 * radius)
            symmetry = SPINNER_SYMMETRY[scene_object.shape]
            weight = np.exp(-1j * symmetry * np.arctan2(dy, dx))
        centred = frame - frame[inside].mean()
        moment = (centred * inside * weight).sum()
        # the moment's angle is minus the phase (in radians)
        phases.append(-np.angle(moment) / (2 * np.pi))
    return np.array(phases)


@pytest.mark.parametrize('name',
                         ['stripes_drifting_right', 'spinning_clockwise'])
def test_short_term_motion_survives_mp4_only_between_nearby_frames(
        name, tmp_path):
    """From decoded mp4 frames, the direction of the short-term motion is
    read off neighbouring frames every time, and not from frames one demo
    segment (6-10 frames) apart."""
    class_index = ALL_CLASSES.index(name)
    near, far = [], []
    for index in range(40):  # 40 random rates
        frames, scene_object = render_forward_sample(
            class_index, sample_rng(0, 'val', class_index, index))
        write_video(tmp_path / 'clip.mp4', frames)
        decoded = load_frames(tmp_path / 'clip.mp4')
        phases = _measured_phases(decoded, scene_object)
        steps = np.mod(np.diff(phases) + 0.5, 1) - 0.5
        near.extend(steps)
        segment = len(frames) // 4
        gaps = np.mod(phases[segment:] - phases[:-segment] + 0.5, 1) - 0.5
        far.extend(gaps)
    near, far = np.array(near), np.array(far)
    # forward by less than half a cycle between neighbouring frames
    assert np.mean(near > 0) > 0.97, name
    # one segment apart: the sign of the phase difference is near chance
    # (measured 0.56 and 0.47; a motion kept in phase gives 0 or 1)
    assert 0.3 < np.mean(far > 0) < 0.7, name


def test_draw_object_puts_the_shape_where_the_track_says():
    # a square filled white on black; its pixels' centroid is the centre
    track = Track(centres=np.array([[20.25, 40.5]]), radii=np.array([8.0]),
                  angles=np.array([0.3]), opacities=np.array([1.0]))
    frame = np.zeros((64, 64, 3), dtype=np.uint8)
    draw_object(frame, SceneObject('square', (255.0, 255.0, 255.0),
                                   (255.0, 255.0, 255.0), track), 0)
    weight = frame[..., 0].astype(float)
    ys, xs = np.mgrid[0:64, 0:64]
    centroid = (np.sum(xs * weight) / weight.sum(),
                np.sum(ys * weight) / weight.sum())
    np.testing.assert_allclose(centroid, (20.25, 40.5), atol=0.5)
    # half opacity: half as bright
    half = Track(track.centres, track.radii, track.angles, np.array([0.5]))
    faded = np.zeros_like(frame)
    draw_object(faded, SceneObject('square', (200.0, 200.0, 200.0),
                                   (200.0, 200.0, 200.0), half), 0)
    assert abs(int(faded[40, 20, 0]) - 100) <= 1


def test_dataset_layout_and_contents(tmp_path):
    summary = _make_tiny(tmp_path, videos_per_class=2, val_per_class=1)
    num_classes = len(CLASSES)
    assert summary['num_train'] == 2 * num_classes
    assert summary['num_val'] == num_classes
    assert summary['classes'] == CLASSES and not summary['skipped']
    assert (tmp_path / 'classes.txt').read_text().splitlines() == CLASSES
    train = read_video_list(tmp_path / 'train.txt')
    val = read_video_list(tmp_path / 'val.txt')
    assert Counter(label for _, label in train) == {
        c: 2 for c in range(num_classes)}
    assert Counter(label for _, label in val) == {
        c: 1 for c in range(num_classes)}
    names = [name for name, _ in train + val]
    assert len(set(names)) == len(names)
    assert sorted(p.name for p in (tmp_path / 'videos').iterdir()) == \
        sorted(names)
    low, high = DEFAULT_NUM_FRAMES_RANGE
    for filename, label, split, index in _expected_samples(tmp_path, 0):
        decoded = load_frames(tmp_path / 'videos' / filename)
        expected = render_video(label, sample_rng(0, split, label, index))
        assert decoded.shape == expected.shape
        assert low <= len(decoded) <= high
        # the listed label is the class the video was rendered as
        assert np.abs(decoded.astype(float) - expected).mean() < \
            MAX_CODEC_ERROR, filename
    meta = json.loads((tmp_path / META_FILE).read_text())
    assert meta['parameters']['seed'] == 0
    assert meta['num_videos'] == 3 * num_classes
    # the default set: the order and short-term families
    families = json.loads((tmp_path / FAMILIES_FILE).read_text())
    assert list(families) == ['order', 'short-term']
    assert [name for names in families.values() for name in names] == CLASSES
    assert meta['parameters']['families'] == families
    assert summary['families'] == families == read_families(tmp_path)


def test_families_choose_the_classes(tmp_path):
    # given in any order, listed in FAMILIES order
    summary = _make_tiny(tmp_path, families=('appearance', 'short-term'))
    expected = family_classes(('short-term', 'appearance'))
    assert list(expected) == ['short-term', 'appearance']
    classes = [name for names in expected.values() for name in names]
    assert summary['classes'] == classes
    assert (tmp_path / 'classes.txt').read_text().splitlines() == classes
    assert json.loads((tmp_path / FAMILIES_FILE).read_text()) == expected
    for filename, label, split, index in _expected_samples(tmp_path, 0):
        # a sample of a class is the same whichever families the set has
        class_index = ALL_CLASSES.index(classes[label])
        decoded = load_frames(tmp_path / 'videos' / filename)
        expected_frames = render_video(
            class_index, sample_rng(0, split, class_index, index))
        assert decoded.shape == expected_frames.shape
        assert np.abs(decoded.astype(float) - expected_frames).mean() < \
            MAX_CODEC_ERROR, filename
    # other families: another set, regenerated
    assert not _make_tiny(tmp_path, families=('order', ))['skipped']
    assert (tmp_path / 'classes.txt').read_text().splitlines() == list(
        FAMILIES['order'])
    with pytest.raises(ValueError):
        _make_tiny(tmp_path, families=('order', 'colour'))
    with pytest.raises(ValueError):
        _make_tiny(tmp_path, families=())
    (tmp_path / FAMILIES_FILE).write_text('["not", "a", "map"]')
    assert read_families(tmp_path) is None


def test_dataset_is_deterministic_for_a_seed(tmp_path):
    first, second, other = (tmp_path / name for name in 'abc')
    _make_tiny(first, seed=5)
    _make_tiny(second, seed=5)
    _make_tiny(other, seed=6)
    for name in ('train.txt', 'val.txt', 'classes.txt'):
        assert (first / name).read_text() == (second / name).read_text()
    differing = 0
    for filename, _ in read_video_list(first / 'train.txt')[:4]:
        frames = load_frames(first / 'videos' / filename)
        np.testing.assert_array_equal(
            frames, load_frames(second / 'videos' / filename))
        other_frames = load_frames(other / 'videos' / filename)
        differing += (other_frames.shape != frames.shape
                      or not np.array_equal(other_frames, frames))
    assert differing == 4


def test_complete_set_is_kept_unless_forced_or_changed(tmp_path):
    _make_tiny(tmp_path, videos_per_class=2)
    video = tmp_path / 'videos' / '000000.mp4'
    video.write_bytes(b'marker: not regenerated')
    assert _make_tiny(tmp_path, videos_per_class=2)['skipped']
    assert video.read_bytes() == b'marker: not regenerated'
    # different parameters: regenerated, and surplus videos removed
    summary = _make_tiny(tmp_path, videos_per_class=1, val_per_class=0)
    assert not summary['skipped']
    assert video.read_bytes() != b'marker: not regenerated'
    assert len(list((tmp_path / 'videos').iterdir())) == len(CLASSES)
    assert read_video_list(tmp_path / 'val.txt') == []
    assert _make_tiny(tmp_path, videos_per_class=1, val_per_class=0,
                      force=True)['skipped'] is False
    # an unfinished set (no record) is regenerated
    (tmp_path / META_FILE).unlink()
    assert not _make_tiny(tmp_path, videos_per_class=1,
                          val_per_class=0)['skipped']


def test_invalid_parameters_are_refused(tmp_path):
    with pytest.raises(ValueError):
        _make_tiny(tmp_path, videos_per_class=0)
    with pytest.raises(ValueError):
        _make_tiny(tmp_path, seed=-1)
    with pytest.raises(ValueError):
        _make_tiny(tmp_path, size=50 + 1)


def test_cli_writes_then_keeps_the_set(tmp_path, capsys):
    out_dir = tmp_path / 'toy'
    argv = ['make-toy-data', str(out_dir), '--videos-per-class', '2',
            '--val-per-class', '1', '--seed', '3', '--size', '32',
            '--no-progress']
    assert tdn_main(argv) == 0
    printed = capsys.readouterr().out
    assert str(out_dir) in printed
    assert f'{2 * len(CLASSES)} train' in printed
    assert len(read_video_list(out_dir / 'train.txt')) == 2 * len(CLASSES)
    assert len(read_video_list(out_dir / 'val.txt')) == len(CLASSES)
    filename, _ = read_video_list(out_dir / 'val.txt')[0]
    assert load_frames(out_dir / 'videos' / filename).shape[1:] == (32, 32,
                                                                     3)
    meta = json.loads((out_dir / META_FILE).read_text())
    assert meta['parameters']['seed'] == 3
    assert 'short-term: stripes_drifting_right' in printed
    assert tdn_main(argv) == 0
    assert 'already' in capsys.readouterr().out
    assert tdn_main(argv + ['--force']) == 0
    assert 'wrote' in capsys.readouterr().out


def test_cli_reports_errors(tmp_path, capsys):
    blocker = tmp_path / 'a_file'
    blocker.write_text('not a directory')
    assert tdn_run(['make-toy-data', str(blocker / 'toy'),
                    '--no-progress']) == 1
    error = capsys.readouterr().err
    assert error == (f'tdn make-toy-data: dir {blocker}/toy cannot be a '
                     f'folder: {blocker} is a file\n')
    assert tdn_run(['make-toy-data', str(tmp_path / 'toy'), '--size', '63',
                    '--no-progress']) == 1
    assert capsys.readouterr().err == (
        'tdn make-toy-data: size must be even and >= 16 (mp4v needs even '
        'frame sizes), got 63\n')
    with pytest.raises(SystemExit):
        tdn_main(['make-toy-data', str(tmp_path / 'toy'), '--families',
                  'order,colour'])
    assert 'colour' in capsys.readouterr().err


def test_cli_families(tmp_path, capsys):
    out_dir = tmp_path / 'toy'
    assert tdn_main(['make-toy-data', str(out_dir), '--families',
                     'appearance, order', '--videos-per-class', '1',
                     '--val-per-class', '0', '--size', '32',
                     '--no-progress']) == 0
    assert 'appearance: ring, checkerboard' in capsys.readouterr().out
    assert read_families(out_dir) == family_classes(('order', 'appearance'))


def test_a_set_of_an_older_generator_is_stale(tmp_path):
    from tdn_plugin.datasets.toy_motion import (
        GENERATOR_VERSION,
        META_FILE,
        stale_toy_motion,
    )
    assert not stale_toy_motion(tmp_path)  # not a toy set: used as it is
    for version, stale in ((GENERATOR_VERSION - 1, True),
                           (GENERATOR_VERSION, False)):
        (tmp_path / META_FILE).write_text(json.dumps(
            {'parameters': {'generator_version': version}}))
        assert stale_toy_motion(tmp_path) is stale


def test_every_rendered_class_has_one_entry_in_the_motion_table():
    from tdn_plugin.datasets.toy_motion import MAIN_OBJECTS, ORDER_PATHS
    rendered = [ALL_CLASSES[c] for c in range(len(ALL_CLASSES))
                if is_forward_class(c)]
    assert sorted(MAIN_OBJECTS) == sorted(rendered)
    assert set(ORDER_PATHS) == {ALL_CLASSES[c] for c in FORWARD_CLASSES
                                if family_of(c) == 'order'}
