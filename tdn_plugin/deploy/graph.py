"""A recognizer's test-time scores as an ONNX graph, and its OpenVINO IR.

The graph takes the preprocessed frames of one video, all its views stacked
(``(views * frames_per_view, 3, H, W)`` float32, after the config's
``data_preprocessor``; the views axis and the frame size are dynamic where
the model allows it) and returns what ``test_step`` puts in ``pred_score``:
the head's scores of each view combined by its ``average_clips`` rule
('prob': softmax then mean, 'score': mean, None: the views' scores, (views,
num_classes)).
"""
import copy
import warnings
from typing import Dict, Optional

import torch
import torch.nn as nn

INPUT_NAME = 'frames'
OUTPUT_NAME = 'scores'


class ClipScores(nn.Module):
    """A recognizer's ``predict`` on one video's preprocessed frames.

    Runs the recognizer's own ``extract_feat(..., test_mode=True)`` and the
    head's ``average_clip``, as ``test_step`` does. ``max_testing_views``
    (splitting views into chunks to save memory; the same scores) is
    dropped so that the traced graph does not depend on the views.

    Args:
        recognizer (nn.Module): An MMAction2 recognizer, eval mode.
    """

    def __init__(self, recognizer: nn.Module) -> None:
        super().__init__()
        self.recognizer = recognizer
        test_cfg = copy.deepcopy(recognizer.test_cfg or {})
        test_cfg.pop('max_testing_views', None)
        self.test_cfg = test_cfg

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        recognizer = self.recognizer
        kept, recognizer.test_cfg = recognizer.test_cfg, self.test_cfg
        try:
            scores, _ = recognizer.extract_feat(
                frames[None], stage='head', test_mode=True)
        finally:
            recognizer.test_cfg = kept
        # one sample: all rows of `scores` are its views
        return recognizer.cls_head.average_clip(
            scores, num_segs=scores.shape[0])[0]


# how far from the traced size the frame-size probe looks (a 224 export
# is checked at 256, the size of the 3-crop protocols)
SIZE_PROBE_STEP = 32
# the probe's tolerance: float32 round-off is 1e-7..1e-6 relative
SIZE_PROBE_TOLERANCE = 1e-4


def export_onnx(recognizer: nn.Module, example: torch.Tensor, out: str,
                opset: int = 17,
                metadata: Optional[Dict[str, str]] = None) -> str:
    """Export :class:`ClipScores` of ``recognizer`` with the legacy
    (TorchScript) exporter.

    The first axis (views) and the frame size are made dynamic where the
    model allows it, tried in this order:

    1. views, height and width dynamic, kept only if ONNX Runtime gives the
       recognizer's scores at a second frame size (``SIZE_PROBE_STEP``
       larger; a model whose traced graph keeps its size as a constant
       fails there);
    2. views dynamic, frame size fixed;
    3. everything fixed (e.g. MMAction2's TANet).

    Args:
        recognizer (nn.Module): The recognizer (put in eval mode).
        example (torch.Tensor): Preprocessed frames to trace with,
            (views * frames_per_view, 3, H, W).
        out (str): The ``.onnx`` file.
        opset (int): ONNX opset. Defaults to 17.
        metadata (dict, optional): Stored in ``metadata_props``, with
            ``dynamic_views`` and ``dynamic_size`` ('true' / 'false')
            added.

    Returns:
        str: ``out``.
    """
    module = ClipScores(recognizer.eval()).eval()
    dynamic_views = dynamic_size = True
    try:
        _trace(module, example, out, opset, {0: 'frames', 2: 'height',
                                             3: 'width'})
        dynamic_size = _runs_at_another_size(module, example, out)
        if not dynamic_size:
            _trace(module, example, out, opset, {0: 'frames'})
    except torch.onnx.errors.OnnxExporterError:
        # e.g. MMAction2's TANet: its TAM convolves with kernels computed
        # from the input, whose shape the exporter cannot infer once the
        # views axis is symbolic; with fixed shapes it exports
        _trace(module, example, out, opset, None)
        dynamic_views = dynamic_size = False
    return write_onnx_metadata(out, dict(
        metadata or {}, dynamic_views=str(dynamic_views).lower(),
        dynamic_size=str(dynamic_size).lower()))


def write_onnx_metadata(path: str, metadata: Dict[str, str]) -> str:
    """Replace the ``metadata_props`` of the ONNX file at ``path``."""
    import onnx
    graph = onnx.load(path)
    onnx.helper.set_model_props(graph, metadata)
    onnx.save(graph, path)
    return path


def _runs_at_another_size(module: nn.Module, example: torch.Tensor,
                          path: str) -> bool:
    """Does the graph at ``path`` (traced with ``example``) give the
    module's scores on frames ``SIZE_PROBE_STEP`` pixels larger?"""
    from .parity import relative_difference
    from .runtimes import OnnxRuntimeModel
    probe = torch.randn(example.shape[:2] + tuple(
        size + SIZE_PROBE_STEP for size in example.shape[2:]),
                        generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        reference = module(probe).numpy()
    try:
        got = OnnxRuntimeModel(path)(probe.numpy())
    except Exception:  # noqa: BLE001  no runtime, or it fails: not dynamic
        return False
    return relative_difference(got, reference) <= SIZE_PROBE_TOLERANCE


def _trace(module: nn.Module, example: torch.Tensor, out: str, opset: int,
           dynamic: Optional[Dict[int, str]]) -> None:
    with warnings.catch_warnings(), torch.no_grad():
        # the tracer's notes on Python-side shape checks (they hold for
        # every views count)
        warnings.simplefilter('ignore', torch.jit.TracerWarning)
        # the legacy exporter, chosen: it exports our modules as they are
        warnings.simplefilter('ignore', DeprecationWarning)
        # its note that strided Slices are not constant-folded (they run)
        warnings.filterwarnings('ignore', 'Constant folding - Only steps=1')
        torch.onnx.export(
            module, (example, ), out, dynamo=False, opset_version=opset,
            input_names=[INPUT_NAME], output_names=[OUTPUT_NAME],
            dynamic_axes={INPUT_NAME: dynamic} if dynamic else None,
            do_constant_folding=True)


def to_openvino(onnx_path: str, xml_path: str,
                metadata: Optional[Dict[str, str]] = None) -> str:
    """Convert an ONNX graph to OpenVINO IR (``.xml`` + ``.bin``), float32
    weights (no fp16 compression), with ``metadata`` in its rt_info.

    Args:
        onnx_path, xml_path (str): The ONNX file; the IR's ``.xml``.
        metadata (dict, optional): Defaults to None (the ONNX file's).

    Returns:
        str: ``xml_path``.
    """
    import openvino as ov

    from tdn_plugin.utils.errors import runtime_errors

    from .metadata import RT_INFO_SECTION, read_metadata
    with runtime_errors('OpenVINO'):
        model = ov.convert_model(onnx_path)
    if metadata is None:
        metadata = read_metadata(onnx_path)
    for key, value in metadata.items():
        model.set_rt_info(str(value), [RT_INFO_SECTION, key])
    ov.save_model(model, xml_path, compress_to_fp16=False)
    return xml_path
