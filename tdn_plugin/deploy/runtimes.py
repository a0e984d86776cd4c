"""ONNX Runtime (CPU) and OpenVINO (CPU) running an exported graph.

Both are callables from preprocessed frames, (views * frames_per_view, 3,
H, W) float32, to the scores of :class:`tdn_plugin.deploy.graph.ClipScores`,
and carry the graph's metadata (:mod:`tdn_plugin.deploy.metadata`).
"""
import functools
import os.path as osp
from typing import Callable, Dict, Optional, Tuple

import numpy as np

from tdn_plugin.utils.errors import (
    MissingFileError,
    RuntimeBackendError,
    UsageError,
    one_line,
    runtime_errors,
)

BACKENDS = ('onnxruntime', 'openvino')


class OnnxRuntimeModel:
    """An ONNX graph in an ONNX Runtime CPU session (all graph
    optimisations).

    Args:
        path (str): The ``.onnx`` file.
        threads (int, optional): Intra-op threads; default: ONNX Runtime's
            (the physical cores).
    """

    def __init__(self, path: str, threads: Optional[int] = None) -> None:
        import onnxruntime as ort
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(
            path, options, providers=['CPUExecutionProvider'])
        self.input_name = self.session.get_inputs()[0].name
        self.metadata: Dict[str, str] = dict(
            self.session.get_modelmeta().custom_metadata_map)

    def __call__(self, frames: np.ndarray) -> np.ndarray:
        return self.session.run(
            None, {self.input_name: np.ascontiguousarray(frames)})[0]


@functools.lru_cache(maxsize=None)
def _openvino_core():
    """One OpenVINO Core for the process: it outlives every model compiled
    with it (a Core destroyed before its compiled models can take their
    plugin with it)."""
    import openvino as ov
    return ov.Core()


class OpenVinoModel:
    """An OpenVINO IR (``.xml``) or ONNX graph compiled for the CPU.

    A graph with dynamic axes is compiled for each input shape it meets
    (the last ``max_shapes`` kept): OpenVINO's CPU plugin runs a static
    shape faster. The first call with a new shape pays the compilation. A
    graph that OpenVINO cannot reshape or compile with static shapes runs
    dynamic.

    Args:
        path (str): ``.xml`` (with its ``.bin``) or ``.onnx`` file.
        threads (int, optional): Inference threads; default: OpenVINO's.
        max_shapes (int): Compiled shapes kept. Defaults to 4.
    """

    def __init__(self, path: str, threads: Optional[int] = None,
                 max_shapes: int = 4) -> None:
        self.core = _openvino_core()
        self.model = self.core.read_model(path)
        # f32 arithmetic: OpenVINO would pick bf16 on CPUs that have it
        self.config = {'PERFORMANCE_HINT': 'LATENCY',
                       'INFERENCE_PRECISION_HINT': 'f32'}
        if threads:
            self.config['INFERENCE_NUM_THREADS'] = threads
        self.max_shapes = max_shapes
        self.requests: Dict[Tuple[int, ...], object] = {}
        self.any_shape = None  # the dynamic graph, where static ones fail
        self.dynamic = self.model.inputs[0].get_partial_shape().is_dynamic
        if not self.dynamic:
            shape = tuple(self.model.inputs[0].get_shape())
            self.requests[shape] = self._compile(self.model)
        from .metadata import read_metadata
        self.metadata: Dict[str, str] = read_metadata(
            path if path.endswith('.onnx') else self.model)

    def _compile(self, model):
        """A compiled model and its infer request, kept together: a request
        must not outlive the compiled model it came from."""
        compiled = self.core.compile_model(model, 'CPU', self.config)
        return compiled, compiled.create_infer_request()

    def _request(self, shape: Tuple[int, ...]):
        if not self.dynamic:  # OpenVINO itself refuses another shape
            return next(iter(self.requests.values()))
        if self.any_shape is not None:
            return self.any_shape
        request = self.requests.pop(shape, None)
        if request is None:
            model = self.model.clone()
            try:
                model.reshape({0: list(shape)})
                request = self._compile(model)
            except RuntimeError:  # static shapes refused: dynamic for all
                self.requests.clear()
                self.any_shape = self._compile(self.model)
                return self.any_shape
            while len(self.requests) >= self.max_shapes:
                self.requests.pop(next(iter(self.requests)))
        self.requests[shape] = request  # the most recent last
        return request

    def __call__(self, frames: np.ndarray) -> np.ndarray:
        _, request = self._request(tuple(frames.shape))
        request.infer({0: np.ascontiguousarray(frames)})
        return request.get_output_tensor(0).data.copy()


def open_runtime(path: str, backend: Optional[str] = None,
                 threads: Optional[int] = None):
    """Open a graph file with a backend.

    Args:
        path (str): ``.onnx`` or ``.xml``.
        backend (str, optional): 'onnxruntime' or 'openvino'. Defaults to
            None (OpenVINO for ``.xml``, ONNX Runtime for ``.onnx``).
        threads (int, optional): Inference threads. Defaults to None.

    Returns:
        OnnxRuntimeModel | OpenVinoModel: The model.
    """
    if not osp.isfile(path):
        raise MissingFileError(f'model file not found: {path}')
    if backend is None:
        backend = 'openvino' if path.endswith('.xml') else 'onnxruntime'
    if backend not in BACKENDS:
        raise UsageError(f'unknown backend {backend!r}: one of {BACKENDS}')
    if backend == 'onnxruntime' and not path.endswith('.onnx'):
        raise UsageError(f'ONNX Runtime needs an .onnx file, got {path}')
    from tdn_plugin.utils.dependencies import require_extra
    require_extra([backend], 'deploy')  # one line, not an ImportError
    model = OnnxRuntimeModel if backend == 'onnxruntime' else OpenVinoModel
    with runtime_errors(f'cannot load {path} with {backend}'):  # corrupt
        return model(path, threads)


class ViewChunks:
    """Run a graph on at most ``max_views`` views a call and combine the
    calls as the graph combines views; a runtime's error becomes one line
    (:class:`~tdn_plugin.utils.errors.RuntimeBackendError`).

    The graph's views rule (its head's ``average_clips``) is 'prob' or
    'score', a mean over views, so calls combine as a mean weighted by their
    views; or None, views' scores stacked.

    Args:
        runtime (Callable): (frames, 3, H, W) float32 -> scores.
        frames_per_view (int): Frames in one view.
        max_views (int): Views per call.
        average_clips (str, optional): The graph's rule.
    """

    def __init__(self, runtime: Callable[[np.ndarray], np.ndarray],
                 frames_per_view: int, max_views: int,
                 average_clips: Optional[str]) -> None:
        self.runtime = runtime
        self.metadata: Dict[str, str] = getattr(runtime, 'metadata', {})
        self.frames_per_view = frames_per_view
        self.max_views = max_views
        self.average_clips = average_clips

    def _run(self, frames: np.ndarray) -> np.ndarray:
        try:
            return np.asarray(self.runtime(frames), dtype=np.float64)
        except Exception as e:  # the runtime's own errors, many lines
            raise RuntimeBackendError(
                f'the graph cannot run on frames of shape {frames.shape}: '
                f'{one_line(e)}') from e

    def __call__(self, frames: np.ndarray) -> np.ndarray:
        step = self.max_views * self.frames_per_view
        chunks = [frames[i:i + step] for i in range(0, len(frames), step)]
        parts = [self._run(chunk) for chunk in chunks]
        if self.average_clips is None:
            return np.concatenate(parts).astype(np.float32)
        return np.average(parts, axis=0, weights=[len(c) for c in chunks]
                          ).astype(np.float32)
