"""The data-pipeline benchmark's pieces (its timing runs in the slow
``tdn benchmark`` test)."""
import decord
import numpy as np
import pytest

from tdn_plugin.apis.data_benchmark import (
    data_pipeline,
    frames_per_clip,
    make_clips,
    same_frames,
    summarize,
    workers_needed,
)


@pytest.mark.parametrize('name', ['tdn-train', 'tsm-test-10x3'])
def test_pipelines_are_the_configs_with_the_decoder_swapped(name):
    stock = data_pipeline(name, 'stock')
    walk = data_pipeline(name, 'walk')
    raw = data_pipeline(name, 'rawframes')
    types = [s['type'] for s in stock]
    assert types[0] == 'DecordInit' and 'DecordDecode' in types
    assert [s['type'] for s in walk] == [
        'DecordWalkDecode' if t == 'DecordDecode' else t for t in types]
    assert [s['type'] for s in raw] == [
        'RawFrameDecode' if t == 'DecordDecode' else t for t in types[1:]]
    assert types[-1] == 'PackActionInputs'


def test_frames_per_clip_of_the_protocols():
    assert frames_per_clip(data_pipeline('tdn-train', 'walk')) == 40
    assert frames_per_clip(data_pipeline('tdn-test-10x3', 'walk')) == 400
    assert frames_per_clip(data_pipeline('tsm-test-1x1', 'walk')) == 8
    assert frames_per_clip(data_pipeline('tsm-test-10x3', 'walk')) == 80


def test_clips_are_kinetics_sized_with_the_gop(tmp_path):
    clips = make_clips(str(tmp_path), 2, gop=5, seconds=0.8)
    readers = [decord.VideoReader(c) for c in clips]
    assert [len(r) for r in readers] == [20, 24]  # 25 and 30 fps
    assert [round(r.get_avg_fps()) for r in readers] == [25, 30]
    assert readers[0][0].shape == (256, 340, 3)
    assert readers[0].get_key_indices() == [0, 5, 10, 15]
    assert same_frames(clips[0])


def test_workers_and_ratios():
    assert workers_needed(None, 10.0) is None
    assert workers_needed(30.0, 10.0) == 3
    assert workers_needed(31.0, 10.0) == 4
    assert workers_needed(1.0, 10.0) == 1
    rows = [dict(clips='a', pipeline=p, decoder=d, ms_per_clip=ms)
            for p, d, ms in (('tdn-train', 'stock', 100.0),
                             ('tdn-train', 'walk', 50.0),
                             ('tsm-train', 'stock', 40.0),
                             ('tdn-test-10x3', 'stock', 900.0),
                             ('tdn-test-10x3', 'walk', 300.0))]
    found = {r['ratio']: r['value'] for r in summarize(rows)}
    assert found == {'tdn train: walk / stock': 0.5,
                     'tdn train walk / tsm train stock': 1.25,
                     'tdn 10x3 test: walk / stock': pytest.approx(1 / 3)}
    assert np.isfinite(list(found.values())).all()

