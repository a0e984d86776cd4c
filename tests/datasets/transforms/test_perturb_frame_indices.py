import numpy as np
import pytest
from mmaction.datasets.transforms import SampleFrames, UniformSample

from tdn_plugin.datasets.transforms import (
    PerturbFrameIndices,
    TDNSampleFrames,
)
from tdn_plugin.datasets.transforms.perturb_frame_indices import chunk_order


def perturb(results, mode, **kwargs):
    return PerturbFrameIndices(mode, **kwargs).transform(dict(results))


def sampled(sampler, n, start_index=0):
    return sampler.transform(dict(total_frames=n, start_index=start_index))


def test_reversed_plays_the_video_backwards():
    inds = np.arange(10, dtype=np.int32)
    out = perturb(dict(frame_inds=inds, total_frames=10), 'reversed')
    assert out['frame_inds'].tolist() == list(range(9, -1, -1))
    assert out['frame_inds'].dtype == np.int32
    # twice is the video again; ordered changes nothing
    again = perturb(out, 'reversed')['frame_inds']
    assert again.tolist() == inds.tolist()
    assert perturb(out, 'ordered')['frame_inds'].tolist() == \
        out['frame_inds'].tolist()


def test_shuffled_moves_whole_chunks_in_a_fixed_order():
    n = 80  # 8 chunks of 10
    out = perturb(dict(frame_inds=np.arange(n), total_frames=n), 'shuffled')
    inds = out['frame_inds']
    assert sorted(inds.tolist()) == list(range(n))  # every frame once
    chunks = inds.reshape(8, 10)
    # inside a chunk the motion is kept (consecutive, forwards)
    assert (np.diff(chunks, axis=1) == 1).all()
    order = chunks[:, 0] // 10
    assert order.tolist() == chunk_order(8, 0).tolist()
    # no cut joins the chunks it cut: the order across the clip is lost
    assert (np.diff(order) != 1).all()
    # fixed: the same seed gives the same order, another seed another
    assert perturb(out | dict(frame_inds=np.arange(n)), 'shuffled')[
        'frame_inds'].tolist() == inds.tolist()
    assert chunk_order(8, 1).tolist() != order.tolist()


@pytest.mark.parametrize('n', [3, 7, 13, 101])
def test_shuffled_is_a_permutation_for_any_length(n):
    inds = perturb(dict(frame_inds=np.arange(n), total_frames=n),
                   'shuffled')['frame_inds']
    assert sorted(inds.tolist()) == list(range(n))


def test_frozen_is_the_middle_frame_everywhere():
    out = perturb(dict(frame_inds=np.array([0, 5, 9, 17]), total_frames=18,
                       start_index=1), 'frozen')
    assert out['frame_inds'].tolist() == [10] * 4  # 18 // 2 + start 1


def test_tdn_snippets_of_ten_clips():
    n = 120
    results = sampled(TDNSampleFrames(8, num_clips=10, test_mode=True), n,
                      start_index=1)
    inds = results['frame_inds']
    rev = perturb(results, 'reversed')['frame_inds']
    assert (rev - 1).tolist() == (n - 1 - (inds - 1)).tolist()
    # 5-frame snippets: consecutive frames stay consecutive, backwards
    assert (np.diff(rev.reshape(10, 8, 5), axis=2) == -1).all()
    frozen = perturb(results, 'frozen')['frame_inds']
    assert set(frozen.tolist()) == {n // 2 + 1}
    shuffled = perturb(results, 'shuffled')['frame_inds'].reshape(10, 8, 5)
    # a snippet inside one chunk keeps its motion: most of them here
    steps = np.diff(shuffled, axis=2)
    assert (steps == 1).all(axis=2).mean() > 0.7
    assert shuffled.shape == (10, 8, 5)


def test_slowfast_and_uniform_samplers():
    n = 150
    # SlowFast R50's test sampler: one 32-frame clip, interval 2; the two
    # pathways are strided from it inside the model
    clip = sampled(SampleFrames(32, 2, 1, test_mode=True), n)
    rev = perturb(clip, 'reversed')['frame_inds']
    assert rev.tolist() == (n - 1 - clip['frame_inds']).tolist()
    assert (np.diff(rev) == -2).all()
    uniform = sampled(UniformSample(8, test_mode=True), n)
    frozen = perturb(uniform, 'frozen')['frame_inds']
    assert frozen.tolist() == [n // 2] * 8


def test_an_unknown_mode_is_refused():
    with pytest.raises(ValueError, match='reversed'):
        PerturbFrameIndices('backwards')
