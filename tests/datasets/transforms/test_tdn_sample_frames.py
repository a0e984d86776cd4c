import numpy as np
import pytest

from tdn_plugin.datasets.transforms import TDNSampleFrames


def sample(n, start_index=0, **kwargs):
    results = TDNSampleFrames(**kwargs).transform(
        dict(total_frames=n, start_index=start_index))
    return results


def windows(results, segments, frames=5):
    return results['frame_inds'].reshape(-1, segments, frames)


def test_test_rule_is_segment_centres():
    # n = 100, T = 8: tick = 96 / 8 = 12, starts int(6 + 12 t)
    r = sample(100, num_segments=8, test_mode=True)
    starts = windows(r, 8)[0, :, 0]
    assert starts.tolist() == [6, 18, 30, 42, 54, 66, 78, 90]
    assert np.all(np.diff(windows(r, 8)[0], axis=1) == 1)  # consecutive
    assert r['clip_len'] == 40 and r['num_clips'] == 1
    assert r['frame_interval'] == 1
    # n = 47, T = 8: tick = 43 / 8 = 5.375
    starts = windows(sample(47, num_segments=8, test_mode=True), 8)[0, :, 0]
    assert starts.tolist() == [int(5.375 / 2 + 5.375 * t) for t in range(8)]


def test_test_rule_short_video_starts_at_zero():
    # n <= T + 4: every segment starts at 0 (the release's rule)
    w = windows(sample(12, num_segments=8, test_mode=True), 8)[0]
    assert np.all(w == np.arange(5))


def test_start_index_is_added():
    a = sample(100, num_segments=8, test_mode=True)['frame_inds']
    b = sample(100, start_index=1, num_segments=8, test_mode=True)
    assert np.array_equal(b['frame_inds'], a + 1)


def test_train_rule_bounds():
    np.random.seed(0)
    # n = 100, T = 8: average = 96 // 8 = 12, start in [12 t, 12 t + 12)
    for _ in range(50):
        w = windows(sample(100, num_segments=8), 8)[0]
        starts = w[:, 0]
        assert np.all(starts >= np.arange(8) * 12)
        assert np.all(starts < np.arange(8) * 12 + 12)
        assert np.all(np.diff(w, axis=1) == 1)


def test_train_rule_covers_every_offset():
    np.random.seed(0)
    seen = {int(windows(sample(100, num_segments=8), 8)[0, 0, 0])
            for _ in range(300)}
    assert seen == set(range(12))


def test_train_rule_few_frames():
    np.random.seed(0)
    # n = 10, T = 8: 6 windows < T -> sorted random starts in [0, 6)
    for _ in range(20):
        w = windows(sample(10, num_segments=8), 8)[0]
        assert np.all(np.diff(w[:, 0]) >= 0)
        assert w[:, 0].max() <= 5 and w.max() <= 9
    # n = 6 <= T: all start at 0, clamped to the last frame
    w = windows(sample(6, num_segments=8), 8)[0]
    assert np.all(w == [0, 1, 2, 3, 4])


@pytest.mark.parametrize('n', [1, 2, 3, 4])
@pytest.mark.parametrize('test_mode', [False, True])
def test_very_short_videos_repeat_the_last_frame(n, test_mode):
    r = sample(n, num_segments=8, test_mode=test_mode)
    assert r['frame_inds'].shape == (40, )
    assert r['frame_inds'].min() >= 0 and r['frame_inds'].max() == n - 1
    w = windows(r, 8)[0]
    assert np.all(w == np.minimum(np.arange(5), n - 1))


def test_ten_clips_are_deterministic_spread_and_distinct():
    a = sample(300, num_segments=8, num_clips=10, test_mode=True)
    b = sample(300, num_segments=8, num_clips=10, test_mode=True)
    assert np.array_equal(a['frame_inds'], b['frame_inds'])
    assert a['frame_inds'].shape == (10 * 8 * 5, )
    assert a['num_clips'] == 10 and a['clip_len'] == 40
    starts = windows(a, 8)[:, :, 0]  # (clips, T)
    assert len({tuple(s) for s in starts}) == 10  # distinct clips
    # clip i is offset by (i + 0.5) / 10 of a segment: evenly spread
    tick = 296 / 8
    assert starts[:, 0].tolist() == [int(tick * (i + 0.5) / 10)
                                     for i in range(10)]
    assert np.all(np.diff(starts[:, 0]) > 0)
    assert starts.max() + 4 <= 299


def test_one_clip_of_the_multi_clip_rule_is_the_centre_rule():
    a = sample(100, num_segments=8, num_clips=1, test_mode=True)
    assert windows(a, 8)[0, :, 0].tolist() == [6, 18, 30, 42, 54, 66, 78,
                                               90]


def test_frames_decode_with_mmaction_transforms(tiny_videos):
    from mmaction.datasets.transforms import (
        DecordDecode,
        DecordInit,
        FormatShape,
    )
    r = dict(filename=str(tiny_videos / '000.mp4'), start_index=0)
    r = DecordInit().transform(r)
    r = TDNSampleFrames(num_segments=4, num_clips=2,
                        test_mode=True).transform(r)
    r = DecordDecode().transform(r)
    r = FormatShape('NCHW').transform(r)
    assert r['imgs'].shape == (2 * 4 * 5, 3, 32, 32)


def test_invalid_arguments():
    with pytest.raises(ValueError):
        TDNSampleFrames(num_segments=0)
    with pytest.raises(ValueError, match='test-time'):
        TDNSampleFrames(num_segments=8, num_clips=10)
