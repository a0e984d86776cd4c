"""Classify videos: :class:`TDNInferencer`, the Python API behind ``tdn
infer``, in the shape of MMAction2's ``ActionRecogInferencer``
(preprocess / forward / visualize / postprocess on mmengine's
``BaseInferencer``).

Example (the README's, run by ``tests/apis/test_inference.py``)::

    from tdn_plugin.apis import TDNInferencer

    inferencer = TDNInferencer('configs/demo/tdn_toy-motion.py', 'tdn.pth',
                               labels='classes.txt')
    result = inferencer('videos/')  # a video file, a list of them, or a folder
    for prediction in result['predictions']:
        name, score = prediction['top5'][0]
        print(f'{prediction["video"]}: {name} ({score:.2f})')
"""
import os
import os.path as osp
import tempfile
from typing import Callable, Iterator, List, Optional, Sequence, Union

import mmengine
import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.infer import BaseInferencer

from tdn_plugin.deploy.clips import VideoError, load_clip, preprocess
from tdn_plugin.deploy.export import bound_testing_views, export_graph
from tdn_plugin.deploy.metadata import (
    check_checkpoint_sha,
    check_frames,
    check_metadata,
    view_chunks,
)
from tdn_plugin.deploy.runtimes import BACKENDS, open_runtime
from tdn_plugin.utils.checks import load_recognizer
from tdn_plugin.utils.config_path import resolve_config
from tdn_plugin.utils.errors import UsageError
from tdn_plugin.utils.video_io import list_videos, read_class_names
from tdn_plugin.utils.views import (
    frames_per_view,
    set_test_views,
    video_test_pipeline,
)


class TDNInferencer(BaseInferencer):
    """Top-5 classes of videos with a config and a checkpoint.

    The config's test pipeline (set to ``views`` if given) decodes each
    video, the model's ``data_preprocessor`` normalises it. PyTorch runs
    ``test_step`` of the ``fuse_for_inference`` model (a ``TDNRecognizer``
    at most :data:`~tdn_plugin.utils.views.FRAMES_PER_CALL` frames a
    forward); ONNX Runtime or OpenVINO run ``model_file`` (refused if its
    metadata names another config or checkpoint), else a graph exported
    from ``checkpoint`` at the first video
    (:func:`tdn_plugin.deploy.export.export_graph`). A missing or
    undecodable video is recorded in ``errors`` and skipped.

    Args:
        config (str | Config): Config file (as ``tdn`` finds them) or
            loaded config.
        checkpoint (str, optional): ``.pth`` of the config. Defaults to
            None (the construction weights).
        backend (str): 'torch' (default), 'onnxruntime' or 'openvino'.
        views (str, optional): Test protocol, '1x1', '3crop' or '10x3'.
            Defaults to None (the config's).
        device (str): PyTorch device. Defaults to 'cpu'.
        model_file (str, optional): Graph of ``tdn export`` (``.onnx``, or
            ``.xml`` for OpenVINO). Defaults to None (export now).
        labels (str | Sequence[str], optional): Class names, or a file of
            them, one a line. Defaults to None (class indices).
        threads (int, optional): Runtime threads. Defaults to None (the
            runtime's).
        show_progress (bool): A progress bar over videos. Defaults to False.
    """

    def __init__(self,
                 config: Union[str, Config],
                 checkpoint: Optional[str] = None,
                 backend: str = 'torch',
                 views: Optional[str] = None,
                 device: str = 'cpu',
                 model_file: Optional[str] = None,
                 labels: Union[str, Sequence[str], None] = None,
                 threads: Optional[int] = None,
                 show_progress: bool = False) -> None:
        if backend not in ('torch', ) + BACKENDS:
            raise UsageError(f'unknown backend {backend!r}: one of torch, '
                             f'{", ".join(BACKENDS)}')
        if model_file and backend == 'torch':
            raise UsageError('a model file needs the onnxruntime or '
                             'openvino backend')
        self.backend, self.checkpoint = backend, checkpoint
        self.model_file, self.threads, self.views = model_file, threads, views
        import tdn_plugin
        tdn_plugin.register_all_modules(init_default_scope=True)
        named = isinstance(config, str)  # found as ``tdn`` finds configs
        self.config_path = config if named else config.filename or 'config.py'
        # the base class loads the file, or copies the Config
        super().__init__(resolve_config(config) if named else config,
                         checkpoint, device, 'mmaction', show_progress)
        names = read_class_names(labels, self.model.cls_head.num_classes) \
            if isinstance(labels, str) else labels
        self.labels = list(names) if names else None
        self.runtime: Optional[Callable] = self._open_runtime(
            model_file) if model_file else None  # else at the first video

    def _init_model(self, cfg: Config, weights: Optional[str],
                    device: str = 'cpu') -> torch.nn.Module:
        """The recognizer with a checked, strict load; for PyTorch, in its
        inference form (``fuse_for_inference``) with bounded views."""
        model = bound_testing_views(load_recognizer(cfg, weights, device))
        if self.backend != 'torch':
            return model  # exported, and its data_preprocessor used
        from tdn_plugin.models import fuse_for_inference
        return fuse_for_inference(model, inplace=True)

    def _init_pipeline(self, cfg: Config) -> Compose:
        if self.views is not None:
            set_test_views(cfg, self.views)
        return Compose(video_test_pipeline(cfg))

    def _init_visualizer(self, cfg: Config) -> None:
        return None  # annotated videos: :meth:`visualize`

    _inputs_to_list = staticmethod(list_videos)

    def preprocess(self, inputs: List[str], **kwargs) -> Iterator[tuple]:
        """(video, clip), or (video, VideoError) for a bad video."""
        for video in inputs:
            try:
                yield video, load_clip(self.pipeline, video)
            except VideoError as error:
                yield video, error

    def forward(self, inputs: tuple, **kwargs) -> dict:
        """A prediction: ``video``, ``top5`` [name, score] pairs and
        ``scores`` of every class; or ``{'video', 'error'}``."""
        video, clip = inputs
        if isinstance(clip, VideoError):
            return dict(video=video, error=str(clip))
        if self.backend == 'torch':
            with torch.inference_mode():
                sample = self.model.test_step(pseudo_collate([clip]))[0]
            scores = sample.pred_score.float().cpu().numpy()
        else:
            frames = preprocess(self.model.data_preprocessor, clip)
            if self.runtime is None:
                self.runtime = self._export_now(frames)
            check_frames(self.runtime.metadata, frames.shape, video)
            scores = self.runtime(frames.numpy())
        return dict(video=video, top5=self._top_k(scores, 5),
                    scores=np.asarray(scores).tolist())

    def visualize(self, inputs: List[str], preds: List[dict],
                  vid_out_dir: str = '') -> Optional[List[str]]:
        """Annotated copies of the videos, top-1 class and score on every
        frame (:func:`annotated_paths` names them), set as ``annotated``."""
        if not vid_out_dir:
            return None
        from tdn_plugin.visualization.annotated_video import (
            annotated_paths,
            write_annotated_video,
        )
        paths = getattr(self, '_annotated', None) or annotated_paths(
            inputs, vid_out_dir)
        for pred in preds:
            if 'top5' in pred:
                (name, score), path = pred['top5'][0], paths[pred['video']]
                os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
                write_annotated_video(pred['video'], path,
                                      f'{name} {score:.2f}')
                pred['annotated'] = path
        return [pred['annotated'] for pred in preds if 'annotated' in pred]

    def postprocess(self, preds: List[dict], pred_out_file: str = '') -> dict:
        """``predictions`` (of :meth:`forward`, with their ``annotated``
        file), ``errors`` (video -> line) and ``visualization`` (the
        annotated files, or None); dumped to ``pred_out_file``."""
        result = dict(predictions=[p for p in preds if 'error' not in p],
                      errors={p['video']: p['error']
                              for p in preds if 'error' in p},
                      visualization=[p['annotated'] for p in preds
                                     if 'annotated' in p] or None)
        if pred_out_file:
            mmengine.dump(dict(result, config=self.config_path,
                               backend=self.backend, labels=self.labels),
                          pred_out_file, indent=2)
        return result

    def __call__(self, inputs, vid_out_dir: str = '',
                 pred_out_file: str = '',
                 on_result: Optional[Callable[[dict], None]] = None,
                 overwrite: bool = False) -> dict:
        """Classify ``inputs``, video by video.

        Args:
            inputs (str | Sequence[str]): Video files and folders.
            vid_out_dir (str): Write annotated videos there (an ``.mp4``
                for one video). Defaults to '' (none).
            pred_out_file (str): Dump the result there (JSON), with the
                videos done also when an error stops the run. Defaults to
                '' (none).
            on_result (Callable, optional): Called with each video's
                prediction (or ``{'video', 'error'}``) as it is done.
            overwrite (bool): Replace outputs that exist. Defaults to
                False: an existing ``pred_out_file`` or ``.mp4``
                ``vid_out_dir`` is refused before any video, and an
                annotated file whose name is taken in the folder gets a
                numbered name (:func:`~tdn_plugin.visualization.
                annotated_video.annotated_paths`).

        Returns:
            dict: See :meth:`postprocess`.

        Raises:
            UsageError: No video in ``inputs``.
            OutputError: An output exists (without ``overwrite``).
        """
        from tdn_plugin.utils.checks import check_new_file
        from tdn_plugin.visualization.annotated_video import annotated_paths
        videos = self._inputs_to_list(inputs)
        if not videos:
            raise UsageError(f'no videos in {inputs}')
        self._annotated = annotated_paths(
            videos, vid_out_dir, overwrite) if vid_out_dir else None
        for path in [pred_out_file] + list((self._annotated or {}).values()
                                           if len(videos) == 1 else []):
            if path:
                check_new_file(path, overwrite)
        preds: List[dict] = []
        items = self.preprocess(videos)
        if self.show_progress and len(videos) > 1:
            from tqdm import tqdm  # on stderr: stdout stays the results'
            items = tqdm(items, total=len(videos), unit='video')
        try:
            for item in items:
                pred = self.forward(item)
                self.visualize(videos, [pred], vid_out_dir)
                preds.append(pred)
                if on_result is not None:
                    on_result(pred)
        finally:  # an error that stops the run keeps the videos done
            result = self.postprocess(preds, pred_out_file)
        return result

    def _top_k(self, scores: np.ndarray, k: int) -> List[list]:
        """The ``k`` best [name, score], best first; (views, classes) scores
        (``average_clips=None``) are ranked by their mean."""
        scores = np.asarray(scores, dtype=np.float64)
        scores = scores.reshape(-1, scores.shape[-1]).mean(0)
        order = np.argsort(-scores, kind='stable')[:k]
        return [[self.labels[i] if self.labels else str(i),
                 float(scores[i])] for i in order]

    def _open_runtime(self, path: str) -> Callable:
        """The graph at ``path`` checked against the config (and the
        checkpoint), fed in view chunks."""
        runtime = open_runtime(path, self.backend, self.threads)
        check_metadata(runtime.metadata, self.config_path, self.model, path)
        if self.checkpoint is not None:
            check_checkpoint_sha(runtime.metadata, self.checkpoint, path)
        return view_chunks(runtime, runtime.metadata)

    def _export_now(self, frames: torch.Tensor) -> Callable:
        """Export the model traced on one view of ``frames``, open it."""
        example = frames[:frames_per_view(self.model, self.cfg)]
        with tempfile.TemporaryDirectory(prefix='tdn_infer_') as tmp:
            report = export_graph(self.model, example,
                                  osp.join(tmp, 'model.onnx'),
                                  self.config_path, self.checkpoint,
                                  openvino=self.backend == 'openvino')
            # the runtimes hold the graph in memory once opened
            return self._open_runtime(report.get('openvino', report['onnx']))

