"""Real clips of a config, for parity checks and int8 calibration: from
its val/test list where the files are there, else a generated toy video run
through its test pipeline."""
import os.path as osp
import tempfile
from typing import List, Optional, Tuple

import numpy as np
from mmengine.config import Config


def _dataset(cfg: Config, split: str):
    from mmaction.registry import DATASETS
    loader = cfg.get(f'{split}_dataloader')
    if not loader or 'dataset' not in loader:
        return None
    dataset_cfg = loader['dataset']
    while dataset_cfg.get('type') == 'SkipBadVideos':  # its wrapped list
        dataset_cfg = dataset_cfg['dataset']
    ann_file = dataset_cfg.get('ann_file')
    if ann_file and not osp.isfile(
            osp.join(dataset_cfg.get('data_root') or '', ann_file)):
        return None
    try:
        dataset = DATASETS.build(dataset_cfg)
    except Exception:  # no data on this machine: the caller falls back
        return None
    return dataset if len(dataset) else None


def dataset_clips(cfg: Config, split: str, count: int) -> List[dict]:
    """Up to ``count`` clips spread evenly over a split's list (through
    the split's pipeline); unreadable videos are skipped.

    Args:
        cfg (Config): The config.
        split (str): 'val' or 'test'.
        count (int): Clips wanted.

    Returns:
        list[dict]: Pipeline outputs (empty if the list is not here).
    """
    dataset = _dataset(cfg, split)
    if dataset is None:
        return []
    picks = np.unique(np.linspace(0, len(dataset) - 1, count).round())
    clips = []
    for index in picks.astype(int):
        try:
            clips.append(dataset[int(index)])
        except Exception:  # a bad video in the list: take the others
            continue
    return clips


def listed_clips(cfg: Config, count: int,
                 splits: Tuple[str, ...] = ('val', 'test')
                 ) -> Tuple[List[dict], Optional[str]]:
    """Up to ``count`` clips of the first of ``splits`` whose list is here
    (a config may have no val loader, e.g. one written by ``tdn compare``,
    which tests instead).

    Args:
        cfg (Config): The config.
        count (int): Clips wanted.
        splits (tuple[str]): Splits to try, in order. Defaults to
            ('val', 'test').

    Returns:
        tuple[list[dict], str | None]: The clips and their split (empty and
        None if no list is here).
    """
    for split in dict.fromkeys(splits):
        clips = dataset_clips(cfg, split, count)
        if clips:
            return clips, split
    return [], None


def toy_clips(pipeline: List[dict], count: int, size: int = 160,
              num_frames: int = 96) -> List[dict]:
    """``count`` generated toy motion videos through ``pipeline``.

    Args:
        pipeline (list[dict]): A test pipeline reading video files
            (:func:`tdn_plugin.apis.inference.video_test_pipeline`).
        count (int): Clips.
        size (int): Frame size in pixels. Defaults to 160.
        num_frames (int): Frames per video. Defaults to 96.

    Returns:
        list[dict]: Pipeline outputs.
    """
    from mmengine.dataset import Compose

    from tdn_plugin.apis.inference import load_clip
    from tdn_plugin.datasets.toy_motion import (
        CLASSES,
        render_video,
        write_video,
    )
    compose = Compose(pipeline)
    rng = np.random.default_rng(0)
    clips = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(count):
            video = osp.join(tmp, f'{i}.mp4')
            write_video(video, render_video(i % len(CLASSES), rng, size,
                                            (num_frames, num_frames)))
            clips.append(load_clip(compose, video))
    return clips


def config_clips(cfg: Config, count: int,
                 split: str = 'test') -> Tuple[List[dict], str]:
    """Clips of the config's ``split`` list, else of its test list, else
    toy videos through its test pipeline.

    Args:
        cfg (Config): The config.
        count (int): Clips wanted.
        split (str): 'val' or 'test'. Defaults to 'test'.

    Returns:
        tuple[list[dict], str]: The clips and where they come from.
    """
    clips, found = listed_clips(cfg, count, (split, 'test'))
    if clips:
        return clips, f'{len(clips)} clip(s) of the {found} list'
    from tdn_plugin.apis.inference import video_test_pipeline
    return (toy_clips(video_test_pipeline(cfg), count),
            f'{count} generated toy video(s) (no {split} list here)')
