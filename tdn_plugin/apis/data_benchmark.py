"""Data-pipeline speed of ``tdn benchmark``: the Kinetics-400 train and
test pipelines of TDN and of MMAction2's TSM, per clip and per data
worker, with MMAction2's ``DecordDecode`` ('stock'), the plugin's
``DecordWalkDecode`` ('walk') and JPEG frames (``RawFrameDecode``,
'rawframes'), on generated Kinetics-like clips or on the user's videos.

Every pipeline is the config's own (the TDN K400 config of the plugin,
MMAction2's TSM K400 config), its decoder swapped, the test views set by
:func:`tdn_plugin.utils.views.set_test_views`; the tasks take turns
(:func:`tdn_plugin.utils.timing.time_side_by_side`), each one pass over
the same clips with the same seed, so that a decoder's random samples are
the other's. One task runs in this process on one thread, as a data loader
worker does: clips per second is per worker, and the workers a GPU needs
are the training rate over it.
"""
import functools
import math
import os
import os.path as osp
import tempfile
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np

CONFIGS = {
    'tdn': 'tdn_plugin::tdn/tdn_imagenet-pretrained-r50_8xb16-5x1x8-100e_'
    'kinetics400-rgb.py',
    'tsm': 'mmaction::recognition/tsm/tsm_imagenet-pretrained-r50_8xb16-'
    '1x1x8-50e_kinetics400-rgb.py',
}
PIPELINES = ('tdn-train', 'tdn-test-1x1', 'tdn-test-10x3', 'tsm-train',
             'tsm-test-1x1', 'tsm-test-10x3')
DECODERS = ('stock', 'walk', 'rawframes')
DECODE_TYPES = dict(stock='DecordDecode', walk='DecordWalkDecode',
                    rawframes='RawFrameDecode')
VIDEO_DECODERS = ('DecordDecode', 'DecordWalkDecode')
# Kinetics-like clips: 340x256 as MMAction2's resized K400, 10 s
CLIP_HEIGHT, CLIP_WIDTH = 256, 340
FRAME_TMPL = 'img_{:05}.jpg'


def _clip_frames(num_frames: int, rng: np.random.Generator):
    """Frames of a moving scene: a smooth texture panning under the camera
    and a bright disc crossing it (motion everywhere, no cuts), RGB."""
    import cv2
    height, width = CLIP_HEIGHT, CLIP_WIDTH
    coarse = rng.integers(0, 256, (height // 6, width // 6, 3), np.uint8)
    texture = cv2.resize(coarse, (width * 2, height * 2),
                         interpolation=cv2.INTER_CUBIC)
    for t in range(num_frames):
        x = int(width / 2 * (1 + np.sin(t / 40)))
        y = int(height / 2 * (1 + np.cos(t / 55)))
        frame = texture[y:y + height, x:x + width].copy()
        centre = (int(width / 2 + width / 3 * np.sin(t / 11)),
                  int(height / 2 + height / 3 * np.cos(t / 17)))
        cv2.circle(frame, centre, height // 8, (250, 80, 40), -1)
        yield frame


def make_clips(directory: str, count: int, gop: int,
               seconds: float = 10.0, seed: int = 0) -> List[str]:
    """Write ``count`` Kinetics-like clips: 340x256, alternately 25 and 30
    fps, ``seconds`` long, a keyframe every ``gop`` frames (the project's
    writer, :func:`tdn_plugin.utils.video_io.mp4_writer`: OpenCV's mp4v,
    MPEG-4 part 2 without B-frames; Kinetics itself is H.264).

    Returns:
        list[str]: The ``.mp4`` files.
    """
    from tdn_plugin.utils.video_io import mp4_writer
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(count):
        fps = 25 if i % 2 == 0 else 30
        path = osp.join(directory, f'clip{i:03d}_gop{gop}.mp4')
        with mp4_writer(path, fps, CLIP_HEIGHT, CLIP_WIDTH, gop) as write:
            for frame in _clip_frames(max(1, int(seconds * fps)), rng):
                write(frame)
        paths.append(path)
    return paths


def data_pipeline(name: str, decoder: str) -> List[dict]:
    """The transforms of pipeline ``name`` (:data:`PIPELINES`), its decoder
    ``decoder`` (:data:`DECODERS`): for 'rawframes' without
    ``DecordInit``."""
    from mmengine.config import Config

    from tdn_plugin.utils.config_path import resolve_config
    from tdn_plugin.utils.views import config_test_pipeline, set_test_views
    model, split = name.split('-', 1)
    cfg = Config.fromfile(resolve_config(CONFIGS[model]))
    if split == 'train':
        pipeline = cfg.train_dataloader.dataset.pipeline
    else:
        set_test_views(cfg, split.split('-')[1])
        pipeline = config_test_pipeline(cfg)
    steps = []
    for step in pipeline:
        step = dict(step)
        if step['type'] == 'DecordInit' and decoder == 'rawframes':
            continue
        if step['type'] in VIDEO_DECODERS:
            step = dict(type=DECODE_TYPES[decoder])
        steps.append(step)
    return steps


def _samples(videos: Sequence[str], frame_dirs: Dict[str, str],
             decoder: str) -> List[dict]:
    """The pipeline inputs of the clips, as the datasets make them."""
    if decoder != 'rawframes':
        return [dict(filename=v, start_index=0, modality='RGB', label=0)
                for v in videos]
    return [dict(frame_dir=frame_dirs[v], filename_tmpl=FRAME_TMPL,
                 total_frames=len(os.listdir(frame_dirs[v])), start_index=1,
                 modality='RGB', label=0) for v in videos]


def _run(pipeline: Callable, samples: List[dict]) -> None:
    np.random.seed(0)  # each decoder gets the same random samples
    for sample in samples:
        pipeline(dict(sample))


def same_frames(video: str) -> bool:
    """Whether ``DecordWalkDecode`` gives ``DecordDecode``'s frames for the
    TDN 10x3 test's indices and a TDN train sample of ``video``."""
    from mmaction.datasets.transforms import DecordDecode, DecordInit

    from tdn_plugin.datasets.transforms import (
        DecordWalkDecode,
        TDNSampleFrames,
    )
    total = len(DecordInit().transform(dict(filename=video))['video_reader'])
    for sampler in (TDNSampleFrames(8, num_clips=10, test_mode=True),
                    TDNSampleFrames(8)):
        np.random.seed(0)
        inds = sampler.transform(dict(total_frames=total,
                                      start_index=0))['frame_inds']
        decoded = [
            decoder.transform(dict(DecordInit().transform(dict(
                filename=video)), frame_inds=inds.copy()))['imgs']
            for decoder in (DecordDecode(), DecordWalkDecode())]
        if not all(np.array_equal(a, b) for a, b in zip(*decoded)):
            return False
    return True


def frames_per_clip(steps: List[dict], total_frames: int = 300) -> int:
    """Frames the sampler of ``steps`` asks of a ``total_frames`` video."""
    from mmaction.registry import TRANSFORMS
    sampler = next(s for s in steps if 'Sample' in s['type'])
    return len(TRANSFORMS.build(sampler).transform(dict(
        total_frames=total_frames, start_index=0))['frame_inds'])


def workers_needed(rate: Optional[float], clips_per_s: float,
                   ) -> Optional[int]:
    """Data workers that feed ``rate`` clips/s, each giving
    ``clips_per_s``; None without a rate."""
    if not rate:
        return None
    return max(1, math.ceil(rate / clips_per_s - 1e-9))


def benchmark_data_pipelines(count: int = 4,
                             gops: Sequence[int] = (250, 12),
                             seconds: float = 10.0,
                             videos: Optional[Sequence[str]] = None,
                             pipelines: Sequence[str] = PIPELINES,
                             decoders: Sequence[str] = DECODERS,
                             repeats: int = 5,
                             train_rates: Optional[Dict[str, float]] = None,
                             check_frames: bool = True) -> dict:
    """Time the data pipelines on clip sets, side by side.

    Args:
        count (int): Generated clips per GOP. Defaults to 4.
        gops (Sequence[int]): A clip set per keyframe interval. Defaults
            to (250, 12): Kinetics-like long GOPs, and short ones.
        seconds (float): Length of the generated clips. Defaults to 10.
        videos (Sequence[str], optional): The user's videos instead of
            generated clips (one set). Defaults to None.
        pipelines (Sequence[str]): Of :data:`PIPELINES`. Defaults to all.
        decoders (Sequence[str]): Of :data:`DECODERS`. Defaults to all.
        repeats (int): Timed rounds. Defaults to 5.
        train_rates (dict, optional): Model ('tdn', 'tsm') -> clips/s one
            GPU trains; gives the workers each train pipeline needs.
        check_frames (bool): Check on each clip that the walk decodes
            DecordDecode's frames. Defaults to True.

    Returns:
        dict: ``rows`` (one per clip set, pipeline and decoder),
        ``clip_sets`` (name -> clips, frames, keyframes, identical frames)
        and ``summary`` (the ratios of the targets).
    """
    import decord
    from mmaction.registry import TRANSFORMS
    from mmcv.transforms import Compose

    import tdn_plugin
    from tdn_plugin.utils.timing import time_side_by_side
    from tdn_plugin.utils.video_io import extract_frames
    tdn_plugin.register_all_modules(init_default_scope=True)
    train_rates = train_rates or {}
    steps = {(p, d): data_pipeline(p, d) for p in pipelines
             for d in decoders}
    built = {key: Compose([TRANSFORMS.build(s) for s in value])
             for key, value in steps.items()}
    rows, clip_sets = [], {}
    with tempfile.TemporaryDirectory() as directory:
        sets = {'given videos': list(videos)} if videos else {
            f'k400-like gop {gop}' if gop >= 100 else f'short gop {gop}':
            make_clips(directory, count, gop, seconds) for gop in gops}
        frame_dirs = {}
        if 'rawframes' in decoders:
            for clips in sets.values():
                for video in clips:
                    frame_dirs[video] = osp.join(
                        directory, f'frames{len(frame_dirs):04d}')
                    extract_frames(video, frame_dirs[video], FRAME_TMPL)
        for set_name, clips in sets.items():
            readers = [decord.VideoReader(v) for v in clips]
            clip_sets[set_name] = dict(
                clips=len(clips),
                frames=[len(r) for r in readers],
                keyframes=[len(r.get_key_indices()) for r in readers],
                fps=[round(r.get_avg_fps(), 2) for r in readers],
                size=list(readers[0][0].shape[:2]) if readers else None,
                identical_frames=all(same_frames(v) for v in clips)
                if check_frames and 'walk' in decoders else None)
            del readers
            samples = {d: _samples(clips, frame_dirs, d) for d in decoders}
            timed = time_side_by_side(
                {key: functools.partial(_run, pipeline, samples[key[1]])
                 for key, pipeline in built.items()}, repeats, 1)
            for (name, decoder), timing in timed.items():
                ms = timing.median_ms / len(clips)
                stock = timed.get((name, 'stock'))
                rows.append(dict(
                    clips=set_name, pipeline=name, decoder=decoder,
                    frames_per_clip=frames_per_clip(steps[name, decoder]),
                    ms_per_clip=ms,
                    cpu_ms_per_clip=timing.cpu_median_ms / len(clips),
                    clips_per_s=1000 / ms,
                    time_vs_stock=timing.median_ms / stock.median_ms
                    if stock else None,
                    workers=workers_needed(
                        train_rates.get(name.split('-')[0]), 1000 / ms)
                    if name.endswith('train') else None))
    return dict(rows=rows, clip_sets=clip_sets, summary=summarize(rows),
                settings=dict(repeats=repeats, train_rates=train_rates,
                              seconds=None if videos else seconds,
                              writer='OpenCV mp4v (MPEG-4 part 2)'
                              if not videos else None))


def summarize(rows: List[dict]) -> List[dict]:
    """The ratios of the targets, per clip set: TDN train walk / stock,
    TDN train walk / TSM train stock, TDN 10x3 walk / stock."""
    index = {(r['clips'], r['pipeline'], r['decoder']): r['ms_per_clip']
             for r in rows}
    ratios = (('tdn train: walk / stock', 'tdn-train', 'walk', 'tdn-train',
               'stock'),
              ('tdn train walk / tsm train stock', 'tdn-train', 'walk',
               'tsm-train', 'stock'),
              ('tdn 10x3 test: walk / stock', 'tdn-test-10x3', 'walk',
               'tdn-test-10x3', 'stock'),
              ('tdn train: rawframes / stock', 'tdn-train', 'rawframes',
               'tdn-train', 'stock'))
    found = []
    for clips in dict.fromkeys(r['clips'] for r in rows):
        for label, a, da, b, db in ratios:
            if (clips, a, da) in index and (clips, b, db) in index:
                found.append(dict(clips=clips, ratio=label, value=index[
                    clips, a, da] / index[clips, b, db]))
    return found


DATA_COLUMNS = dict(
    clips=('clips', 's'), pipeline=('pipeline', 's'),
    decoder=('decoder', 's'), frames_per_clip=('frames', 'd'),
    ms_per_clip=('ms/clip', '.1f'), cpu_ms_per_clip=('cpu ms/clip', '.1f'),
    clips_per_s=('clips/s/worker', '.2f'),
    time_vs_stock=('x stock', '.3f'), workers=('workers', 'd'))


def print_data_pipelines(result: dict) -> None:
    """The clip sets, the table and the target ratios."""
    from tdn_plugin.visualization.tables import print_table
    print('\ndata pipelines (per clip, one worker: this process, one '
          'thread; the tasks taking turns, median of '
          f'{result["settings"]["repeats"]} rounds):')
    for name, info in result['clip_sets'].items():
        same = {True: ', walk frames identical to DecordDecode',
                False: ', WALK FRAMES DIFFER FROM DecordDecode',
                None: ''}[info['identical_frames']]
        print(f'  {name}: {info["clips"]} clips, {info["size"]} pixels, '
              f'frames {info["frames"]}, fps {info["fps"]}, keyframes '
              f'{info["keyframes"]}{same}')
    rates = result['settings'].get('train_rates') or {}
    if rates:
        print('  workers: per GPU for a train rate of ' + ', '.join(
            f'{k} {v:.1f} clips/s' for k, v in rates.items()))
    print_table([h for h, _ in DATA_COLUMNS.values()], [
        [format(r[key], spec) if r.get(key) is not None else '-'
         for key, (_, spec) in DATA_COLUMNS.items()]
        for r in result['rows']])
    for ratio in result['summary']:
        print(f'{ratio["clips"]}: {ratio["ratio"]} = {ratio["value"]:.3f}')
