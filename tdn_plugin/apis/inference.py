"""Classify videos with a config's test pipeline: ``tdn infer``.

Built on MMAction2's inference API: the PyTorch backend is
``mmaction.apis.init_recognizer`` + ``inference_recognizer``; the runtime
backends (ONNX Runtime, OpenVINO) run the same test pipeline and the
model's own ``data_preprocessor`` in PyTorch and give the preprocessed
frames to the exported graph (:mod:`tdn_plugin.deploy`).
"""
import copy
import os
import os.path as osp
import re
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate

VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mkv', '.webm', '.mov', '.m4v', '.flv',
                    '.mpg', '.mpeg', '.wmv')
_VIDEO_READERS = ('DecordInit', 'OpenCVInit', 'PyAVInit')
_FRAME_READERS = {'RawFrameDecode': 'DecordDecode'}


# frames one forward call of `tdn infer` takes at most (whole views): a
# 10x3 protocol of TDN-R101 T=16 is 2400 frames, tens of GB of activations
# at once; 160 frames of R50 at 224 peak at a few hundred MB
FRAMES_PER_CALL = 160


class VideoError(ValueError):
    """A video that is missing or cannot be decoded."""


def views_per_call(frames_per_view: int,
                   frames_per_call: int = FRAMES_PER_CALL) -> int:
    """Whole views that fit in ``frames_per_call`` frames (at least 1)."""
    return max(1, frames_per_call // frames_per_view)


def bound_testing_views(model: torch.nn.Module,
                        frames_per_view: int) -> torch.nn.Module:
    """Give a ``TDNRecognizer`` without ``test_cfg.max_testing_views`` one
    (:func:`views_per_call`), so that a many-view protocol runs view chunks
    (the same scores, bounded memory). MMAction2's ``Recognizer2D`` counts
    that setting in frames and cannot be given one safely: it is left as
    its config says.

    Args:
        model (torch.nn.Module): The recognizer.
        frames_per_view (int): Frames in one view.

    Returns:
        torch.nn.Module: ``model``.
    """
    from tdn_plugin.models.recognizers import TDNRecognizer
    test_cfg = dict(model.test_cfg or {})
    if isinstance(model, TDNRecognizer) and not test_cfg.get(
            'max_testing_views'):
        test_cfg['max_testing_views'] = views_per_call(frames_per_view)
        model.test_cfg = test_cfg
    return model


def video_test_pipeline(cfg: Config) -> List[dict]:
    """The config's test pipeline, reading video files.

    Pipelines of rawframe datasets (``RawFrameDecode``, e.g. the sthv1
    configs) read the video with decord instead; every other transform is
    the config's.

    Args:
        cfg (Config): An MMAction2 config (its test dataloader's
            pipeline, as :func:`tdn_plugin.utils.views.set_test_views`
            leaves it).

    Returns:
        list[dict]: Transform configs.
    """
    from tdn_plugin.utils.views import config_test_pipeline
    pipeline = config_test_pipeline(cfg)
    pipeline = [copy.deepcopy(dict(t)) for t in pipeline]
    if any(t['type'] in _VIDEO_READERS for t in pipeline):
        return pipeline
    for t in pipeline:
        if t['type'] in _FRAME_READERS:
            t.clear()
            t['type'] = 'DecordDecode'
    return [dict(type='DecordInit')] + pipeline


def apply_views(cfg: Config, views: Optional[str]) -> Config:
    """Rewrite the test pipeline for a test protocol (``1x1``, ``3crop``,
    ``10x3``) with :func:`tdn_plugin.utils.views.set_test_views`.

    Args:
        cfg (Config): The config; changed in place.
        views (str, optional): The protocol; None keeps the config's.

    Returns:
        Config: The config with the protocol's test pipeline.
    """
    if views is None:
        return cfg
    from tdn_plugin.utils.views import set_test_views
    return set_test_views(cfg, views)


def load_recognizer(cfg: Config, checkpoint: Optional[str],
                    device: str = 'cpu') -> torch.nn.Module:
    """``mmaction.apis.init_recognizer`` with a strict, checked load.

    Args:
        cfg (Config): The model's config.
        checkpoint (str, optional): A ``.pth`` file; None keeps the
            construction weights.
        device (str): Device. Defaults to 'cpu'.

    Returns:
        torch.nn.Module: The recognizer in eval mode, ``model.cfg = cfg``.

    Raises:
        FileNotFoundError: ``checkpoint`` does not exist.
        tdn_plugin.utils.checks.CheckpointMismatchError: It does not fit.
    """
    from mmaction.apis import init_recognizer
    from mmengine.runner.checkpoint import _load_checkpoint

    from tdn_plugin.utils.checks import check_checkpoint
    model = init_recognizer(cfg, None, device='cpu')
    if checkpoint is not None:
        if not osp.isfile(checkpoint):
            raise FileNotFoundError(f'checkpoint not found: {checkpoint}')
        try:
            loaded = _load_checkpoint(checkpoint, map_location='cpu')
        except Exception as e:  # corrupt or hostile files
            raise ValueError(f'cannot read checkpoint {checkpoint}: '
                             f'{first_line(e)}') from None
        state_dict = loaded.get('state_dict', loaded) if isinstance(
            loaded, dict) else loaded
        if not isinstance(state_dict, dict):
            raise ValueError(f'{checkpoint} holds no state dict')
        check_checkpoint(state_dict, model, checkpoint)
        model.load_state_dict(state_dict, strict=True)
    return model.to(device).eval()


def first_line(error: BaseException) -> str:
    """The first non-empty line of an exception's message (OpenVINO's
    ``Exception from src/...:N:`` source locations skipped)."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    told = [line for line in lines if not re.fullmatch(
        r'Exception from \S+:\d+:', line)]
    return (told or lines or [type(error).__name__])[0]


def load_clip(pipeline: Compose, video: str) -> dict:
    """Run a test pipeline on a video file.

    Args:
        pipeline (Compose): The test pipeline (ends with
            ``PackActionInputs``).
        video (str): Video file.

    Returns:
        dict: ``inputs`` and ``data_samples`` of one sample.

    Raises:
        VideoError: The file is missing or cannot be decoded.
    """
    if not osp.isfile(video):
        raise VideoError(f'video not found: {video}')
    try:
        return pipeline(
            dict(filename=video, label=-1, start_index=0, modality='RGB'))
    except Exception as e:  # decord's and the transforms' errors
        raise VideoError(f'cannot decode {video}: {first_line(e)}') from None


def preprocess(preprocessor: Callable, clip: dict) -> torch.Tensor:
    """The model's ``data_preprocessor`` on one pipeline output.

    Args:
        preprocessor (Callable): An ``ActionDataPreprocessor`` (or the
            recognizer's ``data_preprocessor``).
        clip (dict): Output of :func:`load_clip`.

    Returns:
        torch.Tensor: (views * frames_per_view, 3, H, W) float32 frames.
    """
    with torch.no_grad():
        data = preprocessor(pseudo_collate([clip]), False)
    return data['inputs'][0]


class TorchScorer:
    """Class scores of videos from a PyTorch recognizer, with
    ``mmaction.apis.inference_recognizer``.

    Args:
        model (torch.nn.Module): A recognizer from :func:`load_recognizer`.
        pipeline (list[dict]): Test pipeline (:func:`video_test_pipeline`).
    """

    def __init__(self, model: torch.nn.Module, pipeline: List[dict]) -> None:
        self.model = model
        self.pipeline = Compose(pipeline)

    def __call__(self, video: str) -> np.ndarray:
        from mmaction.apis import inference_recognizer
        clip = load_clip(self.pipeline, video)
        # the clip has been through the pipeline: an empty one follows
        result = inference_recognizer(self.model, clip, Compose([]))
        return result.pred_score.float().cpu().numpy()


class RuntimeScorer:
    """Class scores of videos from an exported graph.

    Args:
        runtime (Callable): Maps (frames, 3, H, W) float32 frames to scores,
            e.g. :class:`tdn_plugin.deploy.runtimes.OnnxRuntimeModel`.
        pipeline (list[dict]): Test pipeline (:func:`video_test_pipeline`).
        preprocessor (Callable): The config's ``data_preprocessor``.
        check_input (Callable, optional): Raises on frames the graph cannot
            take (see :func:`tdn_plugin.deploy.metadata.check_frames`).
    """

    def __init__(self, runtime: Callable, pipeline: List[dict],
                 preprocessor: Callable,
                 check_input: Optional[Callable] = None,
                 view_chunks: Optional['ViewChunks'] = None) -> None:
        self.runtime = runtime
        self.pipeline = Compose(pipeline)
        self.preprocessor = preprocessor
        self.check_input = check_input
        self.view_chunks = view_chunks

    def __call__(self, video: str) -> np.ndarray:
        frames = preprocess(self.preprocessor,
                            load_clip(self.pipeline, video))
        if self.check_input is not None:
            self.check_input(tuple(frames.shape), video)
        try:
            if self.view_chunks is not None:
                scores = self.view_chunks(self.runtime, frames.numpy())
            else:
                scores = self.runtime(frames.numpy())
        except Exception as e:  # the runtime's own errors, many lines
            raise RuntimeError(
                f'{video}: the graph cannot run on frames of shape '
                f'{tuple(frames.shape)}: {first_line(e)}') from None
        return np.asarray(scores, dtype=np.float32)


class ViewChunks:
    """Run a graph with a dynamic views axis on at most ``max_views`` views
    a call and combine the calls as the graph combines views.

    The graph's views rule (its head's ``average_clips``) is 'prob' or
    'score', a mean over views, so calls combine as a mean weighted by their
    views; or None, views' scores stacked.

    Args:
        frames_per_view (int): Frames in one view.
        max_views (int): Views per call.
        average_clips (str, optional): The graph's rule.
    """

    def __init__(self, frames_per_view: int, max_views: int,
                 average_clips: Optional[str]) -> None:
        self.frames_per_view = frames_per_view
        self.max_views = max_views
        self.average_clips = average_clips

    def __call__(self, runtime: Callable, frames: np.ndarray) -> np.ndarray:
        step = self.max_views * self.frames_per_view
        if frames.shape[0] <= step:
            return runtime(frames)
        parts, weights = [], []
        for start in range(0, frames.shape[0], step):
            chunk = frames[start:start + step]
            parts.append(np.asarray(runtime(chunk), dtype=np.float64))
            weights.append(chunk.shape[0] // self.frames_per_view)
        if self.average_clips is None:
            return np.concatenate(parts).astype(np.float32)
        return (sum(w * p for w, p in zip(weights, parts)) /
                sum(weights)).astype(np.float32)


def read_labels(path: str, num_classes: Optional[int] = None) -> List[str]:
    """Class names, one a line (line index = label).

    Args:
        path (str): Text file.
        num_classes (int, optional): The model's classes, checked.

    Returns:
        list[str]: The names.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'labels file not found: {path}')
    with open(path) as f:
        names = [line.strip() for line in f if line.strip()]
    if num_classes is not None and len(names) != num_classes:
        raise ValueError(f'{path} names {len(names)} classes, the model has '
                         f'{num_classes}')
    return names


def top_k(scores: np.ndarray, k: int = 5,
          labels: Optional[Sequence[str]] = None) -> List[Tuple[str, float]]:
    """The ``k`` best classes of a video's scores.

    Args:
        scores (np.ndarray): (num_classes,) scores, or (views, num_classes)
            (``average_clips=None``), then ranked by their mean.
        k (int): How many. Defaults to 5.
        labels (Sequence[str], optional): Class names; default: the ids.

    Returns:
        list[tuple[str, float]]: (name, score), best first.
    """
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim > 1:
        scores = scores.reshape(-1, scores.shape[-1]).mean(0)
    order = np.argsort(-scores, kind='stable')[:k]
    return [(labels[i] if labels else str(i), float(scores[i]))
            for i in order]


def list_videos(paths: Sequence[str]) -> List[str]:
    """Video files of ``paths``; a directory gives its videos, sorted.

    Args:
        paths (Sequence[str]): Files and directories.

    Returns:
        list[str]: Files (missing ones are kept, to be reported).
    """
    videos = []
    for path in paths:
        if osp.isdir(path):
            videos += sorted(
                osp.join(path, name) for name in os.listdir(path)
                if name.lower().endswith(VIDEO_EXTENSIONS))
        else:
            videos.append(path)
    return videos


def classify_videos(scorer: Callable[[str], np.ndarray],
                    videos: Sequence[str],
                    labels: Optional[Sequence[str]] = None,
                    progress: bool = False,
                    on_result: Optional[Callable[[str, dict], None]] = None
                    ) -> Tuple[Dict[str, dict], Dict[str, str]]:
    """Scores and top 5 of each video; a bad video is recorded and skipped.

    Args:
        scorer (Callable): Video file -> scores (:class:`TorchScorer`,
            :class:`RuntimeScorer`).
        videos (Sequence[str]): Video files.
        labels (Sequence[str], optional): Class names.
        progress (bool): Show a tqdm bar. Defaults to False.
        on_result (Callable, optional): Called with (video, result) as each
            video is done.

    Returns:
        tuple[dict, dict]: ``{video: {'scores', 'top5'}}`` and
        ``{video: error line}``.
    """
    results, errors = {}, {}
    iterator = videos
    if progress:
        from tqdm import tqdm
        iterator = tqdm(videos, unit='video')
    for video in iterator:
        try:
            scores = scorer(video)
        except VideoError as e:
            errors[video] = str(e)
            continue
        result = dict(scores=scores.tolist(),
                      top5=top_k(scores, 5, labels))
        results[video] = result
        if on_result is not None:
            on_result(video, result)
    return results, errors
