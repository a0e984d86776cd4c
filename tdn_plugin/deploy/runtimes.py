"""ONNX Runtime (CPU) and OpenVINO (CPU) running an exported graph.

Both are callables from preprocessed frames, (views * frames_per_view, 3,
H, W) float32, to the scores of :class:`tdn_plugin.deploy.graph.ClipScores`,
and carry the graph's metadata (:mod:`tdn_plugin.deploy.metadata`).
"""
import functools
import os.path as osp
from typing import Dict, Optional, Tuple

import numpy as np

BACKENDS = ('onnxruntime', 'openvino')


class OnnxRuntimeModel:
    """An ONNX graph in an ONNX Runtime CPU session.

    Args:
        path (str): The ``.onnx`` file.
        threads (int, optional): Intra-op threads; default: ONNX Runtime's
            (the physical cores).
        optimization (str): Graph optimisation level, 'disable', 'basic',
            'extended' or 'all' (layout and fusion rewrites). Defaults to
            'all'.
        optimized_path (str, optional): Also save the optimised graph there
            (ONNX Runtime's ``optimized_model_filepath``).
    """

    backend = 'onnxruntime'

    def __init__(self, path: str, threads: Optional[int] = None,
                 optimization: str = 'all',
                 optimized_path: Optional[str] = None) -> None:
        import onnxruntime as ort
        levels = dict(
            disable=ort.GraphOptimizationLevel.ORT_DISABLE_ALL,
            basic=ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
            extended=ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
            all=ort.GraphOptimizationLevel.ORT_ENABLE_ALL)
        options = ort.SessionOptions()
        options.graph_optimization_level = levels[optimization]
        if threads:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
        if optimized_path:
            options.optimized_model_filepath = optimized_path
            # not its warning that the saved graph is for this CPU: asked
            options.log_severity_level = 3
        self.path = path
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
    shape faster (TDN-R50, T=8, 224: 331 against 368 ms, 2 threads). The
    first call with a new shape pays the compilation. A graph that OpenVINO
    cannot compile with static shapes runs dynamic.

    Args:
        path (str): ``.xml`` (with its ``.bin``) or ``.onnx`` file.
        threads (int, optional): Inference threads; default: OpenVINO's.
        hint (str): Performance hint, 'LATENCY' or 'THROUGHPUT'. Defaults
            to 'LATENCY'.
        max_shapes (int): Compiled shapes kept. Defaults to 4.
    """

    backend = 'openvino'

    def __init__(self, path: str, threads: Optional[int] = None,
                 hint: str = 'LATENCY', max_shapes: int = 4) -> None:
        from .metadata import RT_INFO_SECTION
        self.core = _openvino_core()
        self.model = self.core.read_model(path)
        # f32 arithmetic: OpenVINO would pick bf16 on CPUs that have it
        self.config = {'PERFORMANCE_HINT': hint,
                       'INFERENCE_PRECISION_HINT': 'f32'}
        if threads:
            self.config['INFERENCE_NUM_THREADS'] = threads
        self.path = path
        self.max_shapes = max_shapes
        self.requests: Dict[Tuple[int, ...], object] = {}
        self.any_shape = None  # the dynamic graph, where static ones fail
        self.dynamic = self.model.inputs[0].get_partial_shape().is_dynamic
        if not self.dynamic:
            shape = tuple(self.model.inputs[0].get_shape())
            self.requests[shape] = self._compile(self.model)
        self.metadata: Dict[str, str] = {}
        if self.model.has_rt_info([RT_INFO_SECTION]):
            info = self.model.get_rt_info()[RT_INFO_SECTION]
            self.metadata = {k: v.astype(str) for k, v in info.items()}
        elif path.endswith('.onnx'):
            from .metadata import read_metadata
            self.metadata = read_metadata(path)

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
            model.reshape({0: list(shape)})
            try:
                request = self._compile(model)
            except RuntimeError:
                # e.g. OpenVINO 2026.4's int8 (LPT) passes rejected a
                # pooling after a 5-D pad once the shapes were static (the
                # L-TDM's, until its differences stayed 4-D): the dynamic
                # graph for every shape
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
        backend (str, optional): 'onnxruntime' or 'openvino'; default:
            OpenVINO for ``.xml``, ONNX Runtime for ``.onnx``.
        threads (int, optional): Inference threads.

    Returns:
        OnnxRuntimeModel | OpenVinoModel: The model.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'model file not found: {path}')
    if backend is None:
        backend = 'openvino' if path.endswith('.xml') else 'onnxruntime'
    if backend not in BACKENDS:
        raise ValueError(f'unknown backend {backend!r}: one of {BACKENDS}')
    if backend == 'onnxruntime' and not path.endswith('.onnx'):
        raise ValueError(f'ONNX Runtime needs an .onnx file, got {path}')
    model = OnnxRuntimeModel if backend == 'onnxruntime' else OpenVinoModel
    try:
        return model(path, threads)
    except ImportError:
        raise
    except Exception as e:  # the runtimes' own errors: a corrupt file
        from tdn_plugin.apis.inference import first_line
        raise ValueError(f'cannot load {path} with {backend}: '
                         f'{first_line(e)}') from None
