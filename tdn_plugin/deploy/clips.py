"""Videos as a model sees them: a video file through a config's test
pipeline (a clip), its frames after the model's ``data_preprocessor``, and
the real clips of a config that parity checks and int8 calibration use."""
import os.path as osp
import tempfile
from typing import Callable, List, Optional, Tuple

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate

from tdn_plugin.utils.errors import UserError


class VideoError(UserError, ValueError):
    """A video that is missing or cannot be decoded."""


def load_clip(pipeline: Callable, video: str) -> dict:
    """Run a test pipeline on a video file.

    Args:
        pipeline (Callable): A ``Compose`` of
            :func:`tdn_plugin.utils.views.video_test_pipeline`.
        video (str): Video file.

    Returns:
        dict: ``inputs`` and ``data_samples`` of one sample.

    Raises:
        VideoError: The file is missing or cannot be decoded.
    """
    from tdn_plugin.utils.video_io import decoder_output, decoder_reason
    if not osp.isfile(video):
        raise VideoError(f'video not found: {video}')
    with decoder_output() as printed:  # decord's lines: one reason
        try:
            return pipeline(dict(filename=video, label=-1, start_index=0,
                                 modality='RGB'))
        except Exception as e:  # decord's and the transforms' errors
            raise VideoError(f'cannot decode {video}: ' + decoder_reason(
                video, printed.text(), e)) from None


def preprocess(preprocessor: Callable, clip: dict) -> torch.Tensor:
    """The model's ``data_preprocessor`` on one pipeline output.

    Args:
        preprocessor (Callable), clip (dict): The recognizer's
            ``data_preprocessor``; an output of :func:`load_clip`.

    Returns:
        torch.Tensor: (views * frames_per_view, 3, H, W) float32 frames.
    """
    with torch.no_grad():
        data = preprocessor(pseudo_collate([clip]), False)
    return data['inputs'][0]


def _dataset_cfg(cfg: Config, split: str) -> Optional[dict]:
    """The dataset config of the split's loader, unwrapped from
    ``SkipBadVideos``; None where the config has none."""
    dataset_cfg = (cfg.get(f'{split}_dataloader') or {}).get('dataset')
    while dataset_cfg and dataset_cfg.get('type') == 'SkipBadVideos':
        dataset_cfg = dataset_cfg['dataset']  # its wrapped list
    return dataset_cfg


def _dataset(cfg: Config, split: str, pipeline_splits: Tuple[str, ...] = ()):
    """The split's dataset, or None where its list is not here. With
    ``pipeline_splits``, its videos go through the pipeline of the first
    of those splits that the config has (e.g. the train list through the
    val pipeline: one deterministic view per video)."""
    from mmaction.registry import DATASETS
    dataset_cfg = _dataset_cfg(cfg, split)
    if not dataset_cfg or not osp.isfile(
            osp.join(dataset_cfg.get('data_root') or '',
                     dataset_cfg.get('ann_file') or '')):
        return None
    for other in pipeline_splits:
        other_cfg = _dataset_cfg(cfg, other)
        if other_cfg and other_cfg.get('pipeline'):
            dataset_cfg = dict(dataset_cfg, pipeline=other_cfg['pipeline'],
                               test_mode=True)
            break
    try:
        dataset = DATASETS.build(dataset_cfg)
    except Exception:  # no data on this machine: the caller falls back
        return None
    return dataset if len(dataset) else None


def listed_clips(cfg: Config, count: int,
                 splits: Tuple[str, ...] = ('val', 'test'),
                 pipeline_splits: Tuple[str, ...] = ()
                 ) -> Tuple[List[dict], Optional[str]]:
    """Up to ``count`` clips spread evenly over the list of the first of
    ``splits`` that is here; unreadable videos are skipped. A config may
    have no val loader (e.g. one written by ``tdn compare``).

    Args:
        cfg (Config), count (int): The config; clips wanted.
        splits (tuple[str]): Splits to try. Defaults to ('val', 'test').
        pipeline_splits (tuple[str]): Read the list through the pipeline
            of the first of these splits the config has. Defaults to ()
            (the split's own pipeline).

    Returns:
        tuple[list[dict], str | None]: The clips and their split (empty and
        None if no list is here).
    """
    for split in dict.fromkeys(splits):
        dataset = _dataset(cfg, split, pipeline_splits)
        if dataset is None:
            continue
        clips = []
        for index in np.unique(np.linspace(0, len(dataset) - 1,
                                           count).round()).astype(int):
            try:
                clips.append(dataset[int(index)])
            except Exception:  # a bad video in the list: take the others
                continue
        if clips:
            return clips, split
    return [], None


def calibration_clips(cfg: Config, count: int
                      ) -> Tuple[List[dict], str, Optional[str]]:
    """Clips to calibrate an int8 graph on, kept apart from the val and
    test lists that its top-1 is measured on: the train list through the
    val (else test) pipeline; where the train list is not here, the val
    or test list, else toy videos.

    Args:
        cfg (Config), count (int): The config; clips wanted.

    Returns:
        tuple[list[dict], str, str | None]: The clips, where they come
        from, and their list ('train', 'val', 'test'; None for toy
        videos).
    """
    clips, _ = listed_clips(cfg, count, ('train', ), ('val', 'test'))
    if clips:
        return clips, f'{len(clips)} clip(s) of the train list', 'train'
    clips, split = listed_clips(cfg, count, ('val', 'test'))
    if clips:
        return (clips, f'{len(clips)} clip(s) of the {split} list (no '
                'train list here)', split)
    clips, source = config_clips(cfg, count, 'val')
    return clips, source, None


def _toy_clips(cfg: Config, count: int) -> List[dict]:
    """``count`` toy motion videos (96 frames, 160 px) through the config's
    test pipeline."""
    from tdn_plugin.datasets.toy_motion import CLASSES, render_video
    from tdn_plugin.utils.video_io import write_video
    from tdn_plugin.utils.views import video_test_pipeline
    pipeline = Compose(video_test_pipeline(cfg))
    rng = np.random.default_rng(0)
    clips = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(count):
            video = osp.join(tmp, f'{i}.mp4')
            write_video(video,
                        render_video(i % len(CLASSES), rng, 160, (96, 96)))
            clips.append(load_clip(pipeline, video))
    return clips


def config_clips(cfg: Config, count: int,
                 split: str = 'test') -> Tuple[List[dict], str]:
    """Clips of the config's ``split`` list, else of its test list, else
    toy videos through its test pipeline.

    Args:
        cfg (Config), count (int): The config; clips wanted.
        split (str): 'val' or 'test'. Defaults to 'test'.

    Returns:
        tuple[list[dict], str]: The clips and where they come from.
    """
    clips, found = listed_clips(cfg, count, (split, 'test'))
    if clips:
        return clips, f'{len(clips)} clip(s) of the {found} list'
    return (_toy_clips(cfg, count),
            f'{count} generated toy video(s) (no {split} list here)')
