import decord
import numpy as np
import pytest
from mmaction.datasets.transforms import DecordDecode, DecordInit
from mmaction.registry import TRANSFORMS

from tdn_plugin.datasets.transforms import DecordWalkDecode, TDNSampleFrames
from tdn_plugin.utils.video_io import write_video

NUM_FRAMES = 45
SHORT_GOP, LONG_GOP = 4, 1000


def gradient_frames(num_frames: int, height: int = 32,
                    width: int = 64) -> np.ndarray:
    """Moving colour ramps: the encoder puts keyframes at the GOP only."""
    yy, xx = np.mgrid[:height, :width]
    return np.stack([
        np.stack([(xx * 8 + t * 5) % 256, (yy * 9 + t * 3) % 256,
                  ((xx + yy) * 4 + t * 7) % 256], -1)
        for t in range(num_frames)
    ]).astype(np.uint8)


@pytest.fixture(scope='module')
def videos(tmp_path_factory):
    """{(suffix, gop): path}: mp4 and avi, keyframes every 4 frames or
    only the first."""
    root = tmp_path_factory.mktemp('walk_videos')
    frames = gradient_frames(NUM_FRAMES)
    paths = {}
    for suffix in ('mp4', 'avi'):
        for gop in (SHORT_GOP, LONG_GOP):
            path = str(root / f'gop{gop}.{suffix}')
            write_video(path, frames, fps=25, gop=gop)
            paths[suffix, gop] = path
    return paths


def decode(decoder, path, frame_inds, **extra):
    results = DecordInit().transform(dict(filename=path, **extra))
    results['frame_inds'] = np.array(frame_inds)
    return decoder.transform(results)


def tdn_inds(**kwargs):
    np.random.seed(0)
    return TDNSampleFrames(**kwargs).transform(
        dict(total_frames=NUM_FRAMES, start_index=0))['frame_inds']


INDICES = {
    'tdn train': tdn_inds(num_segments=4),
    'tdn 10x3 test': tdn_inds(num_segments=8, num_clips=10, test_mode=True),
    'all': np.arange(NUM_FRAMES),
    'descending': np.arange(NUM_FRAMES)[::-1],
    'repeated': np.repeat([3, 3, 17, 2, 44, 17], 3),
    'random': np.random.default_rng(0).integers(0, NUM_FRAMES, 60),
    'negative': np.array([-1, 0, -NUM_FRAMES, 5]),
    'one': np.array([30]),
    'column': np.arange(10, 20)[:, None],  # squeezed, as DecordDecode does
}


def test_videos_have_the_keyframes_the_tests_need(videos):
    for (_, gop), path in videos.items():
        keys = decord.VideoReader(path).get_key_indices()
        assert keys == list(range(0, NUM_FRAMES, min(gop, NUM_FRAMES)))


@pytest.mark.parametrize('case', sorted(INDICES))
def test_same_frames_as_decord_decode(videos, case):
    """Every video, with seeks at each keyframe (0), at some (2) or only
    where the indices go back (1000)."""
    inds = INDICES[case]
    for path in videos.values():
        expected = decode(DecordDecode(), path, inds)['imgs']
        for seek_cost in (0, 2, 1000):
            got = decode(DecordWalkDecode(seek_cost=seek_cost), path,
                         inds)['imgs']
            assert len(got) == len(expected)
            for a, b in zip(got, expected):
                assert a.dtype == b.dtype and np.array_equal(a, b), (
                    path, case, seek_cost)


def test_results_dict_as_decord_decode(videos):
    path = videos['mp4', SHORT_GOP]
    inds = INDICES['column']
    boxes = np.array([[0.1, 0.2, 0.5, 0.5]], np.float32)
    extra = dict(gt_bboxes=boxes, proposals=boxes * 2)
    expected = decode(DecordDecode(), path, inds, **extra)
    got = decode(DecordWalkDecode(), path, inds, **extra)
    assert sorted(got) == sorted(expected)
    assert got['video_reader'] is None
    assert got['original_shape'] == got['img_shape'] == (32, 64)
    assert got['frame_inds'].shape == (10, )
    for key in ('gt_bboxes', 'proposals', 'total_frames', 'avg_fps'):
        assert np.array_equal(got[key], expected[key])
    assert isinstance(got['imgs'], list)


def test_repeated_frames_are_separate_arrays(videos):
    # later transforms (Flip, ...) change frames in place
    got = decode(DecordWalkDecode(), videos['mp4', LONG_GOP], [5, 5])
    got['imgs'][0][:] = 0
    assert got['imgs'][1].any()


def test_out_of_range_raises_as_decord_decode(videos):
    path = videos['avi', LONG_GOP]
    for decoder in (DecordDecode(), DecordWalkDecode()):
        with pytest.raises(IndexError):
            decode(decoder, path, [0, NUM_FRAMES])
        with pytest.raises(IndexError):
            decode(decoder, path, [-NUM_FRAMES - 1])


def test_truncated_video_as_decord_decode(videos, tmp_path):
    """An avi cut short in its last frames: the frames decord still
    indexes, decoded forward, are DecordDecode's (frames damaged by the
    cut may differ where DecordDecode seeks back to them)."""
    data = open(videos['avi', LONG_GOP], 'rb').read()
    path = str(tmp_path / 'cut.avi')
    open(path, 'wb').write(data[:data.rfind(b'idx1') - 300])
    count = len(decord.VideoReader(path))
    assert count < NUM_FRAMES
    inds = np.arange(count)
    expected = decode(DecordDecode(), path, inds)['imgs']
    got = decode(DecordWalkDecode(), path, inds)['imgs']
    assert np.array_equal(np.stack(got), np.stack(expected))


def test_efficient_mode_is_decord_decodes(videos):
    path = videos['mp4', SHORT_GOP]
    inds = [1, 6, 13]
    expected = decode(DecordDecode('efficient'), path, inds)['imgs']
    got = decode(DecordWalkDecode('efficient'), path, inds)['imgs']
    assert all(np.array_equal(a, b) for a, b in zip(got, expected))


def test_registered_and_checked():
    decoder = TRANSFORMS.build(dict(type='DecordWalkDecode', seek_cost=3))
    assert isinstance(decoder, DecordWalkDecode)
    assert repr(decoder) == ('DecordWalkDecode(mode=accurate, '
                             'seek_cost=3)')
    with pytest.raises(ValueError, match='seek_cost'):
        DecordWalkDecode(seek_cost=-1)
    with pytest.raises(AssertionError):
        DecordWalkDecode(mode='fast')


class Recording:
    """A reader that records the indices asked of ``get_batch``."""

    def __init__(self, reader):
        self.reader, self.batches = reader, []

    def __len__(self):
        return len(self.reader)

    def get_key_indices(self):
        return self.reader.get_key_indices()

    def get_batch(self, indices):
        self.batches.append(np.asarray(indices).tolist())
        return self.reader.get_batch(indices)


def test_decodes_each_wanted_frame_once(videos):
    """The 10-clip test: 400 indices in 10 passes over the video, asked of
    decord once, increasing and distinct."""
    inds = INDICES['tdn 10x3 test']
    reader = Recording(decord.VideoReader(videos['mp4', LONG_GOP]))
    DecordWalkDecode().transform(dict(video_reader=reader, frame_inds=inds))
    assert reader.batches == [np.unique(inds).tolist()]


def test_walks_through_near_keyframes_only():
    """Keyframes at 0, 4, 8, ...: after frame 1 (at 2) the keyframe before
    13, 12, is 10 frames ahead: seek with seek_cost 9, walk through 4, 8
    and 12 (decoding 3, 7 and 11 on the way) with seek_cost 10; after 14
    (at 15) the keyframe 20 is 5 ahead: walk through 16 and 20."""
    keys = list(range(0, 45, 4))
    wanted = np.array([1, 13, 14, 20])
    assert DecordWalkDecode(seek_cost=9).plan(
        wanted, keys).tolist() == [1, 13, 14, 15, 19, 20]
    assert DecordWalkDecode(seek_cost=10).plan(
        wanted, keys).tolist() == [1, 3, 7, 11, 13, 14, 15, 19, 20]
    assert DecordWalkDecode(seek_cost=0).plan(
        wanted, keys).tolist() == [1, 13, 14, 20]
    assert DecordWalkDecode().plan(wanted, keys).tolist() == [1, 13, 14, 20]


def test_bad_videos_are_skipped_and_named_as_with_decord_decode(
        videos, tmp_path):
    """SkipBadVideos over a truncated, an empty and a missing file: the
    same samples load, the same files are named with the same causes."""
    from mmengine.registry import init_default_scope

    from tdn_plugin.datasets import SkipBadVideos
    init_default_scope('mmaction')
    data = open(videos['mp4', SHORT_GOP], 'rb').read()
    (tmp_path / 'truncated.mp4').write_bytes(data[:200])
    (tmp_path / 'empty.mp4').write_bytes(b'')
    names = ['truncated.mp4', 'empty.mp4', 'missing.mp4']
    ann = tmp_path / 'list.txt'
    ann.write_text(f'{videos["mp4", SHORT_GOP]} 0\n' + ''.join(
        f'{tmp_path / n} 1\n' for n in names) +
                   f'{videos["avi", LONG_GOP]} 1\n')
    outcomes = []
    for decoder in ('DecordDecode', 'DecordWalkDecode'):
        dataset = SkipBadVideos(dict(
            type='VideoDataset', ann_file=str(ann), test_mode=True,
            pipeline=[dict(type='DecordInit'),
                      dict(type='TDNSampleFrames', num_segments=4,
                           num_clips=2, test_mode=True),
                      dict(type=decoder),
                      dict(type='FormatShape', input_format='NCHW'),
                      dict(type='PackActionInputs')]))
        loaded = [dataset._load(i) for i in range(len(dataset))]
        outcomes.append([(None if data is None else
                          data['inputs'].numpy().tobytes(), cause)
                         for data, cause in loaded])
    assert outcomes[0] == outcomes[1]
    assert [cause is None for _, cause in outcomes[0]] == [
        True, False, False, False, True]
