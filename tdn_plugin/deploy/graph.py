"""A recognizer's test-time scores as an ONNX graph, and its OpenVINO IR.

The graph takes the preprocessed frames of one video, all its views stacked
(``(views * frames_per_view, 3, H, W)`` float32, after the config's
``data_preprocessor``; the views axis is dynamic) and returns what
``test_step`` puts in ``pred_score``: the head's scores of each view
combined by its ``average_clips`` rule ('prob': softmax then mean,
'score': mean, None: the views' scores, (views, num_classes)).
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


def export_onnx(recognizer: nn.Module, example: torch.Tensor, out: str,
                opset: int = 17,
                metadata: Optional[Dict[str, str]] = None) -> str:
    """Export :class:`ClipScores` of ``recognizer`` with the legacy
    (TorchScript) exporter.

    Args:
        recognizer (nn.Module): The recognizer (put in eval mode).
        example (torch.Tensor): Preprocessed frames to trace with,
            (views * frames_per_view, 3, H, W); H and W are fixed in the
            graph, the first axis is dynamic where the model allows it
            (``metadata_props['dynamic_views']`` says which).
        out (str): The ``.onnx`` file.
        opset (int): ONNX opset. Defaults to 17.
        metadata (dict, optional): Stored in ``metadata_props``, with
            ``dynamic_views`` ('true' / 'false') added.

    Returns:
        str: ``out``.
    """
    import onnx
    module = ClipScores(recognizer.eval()).eval()
    metadata = dict(metadata or {})
    try:
        _trace(module, example, out, opset, dynamic=True)
        metadata['dynamic_views'] = 'true'
    except torch.onnx.errors.OnnxExporterError:
        # e.g. MMAction2's TANet: its TAM convolves with kernels computed
        # from the input, whose shape the exporter cannot infer once the
        # views axis is symbolic; with fixed shapes it exports
        _trace(module, example, out, opset, dynamic=False)
        metadata['dynamic_views'] = 'false'
    graph = onnx.load(out)
    onnx.helper.set_model_props(graph, metadata)
    onnx.save(graph, out)
    return out


def _trace(module: nn.Module, example: torch.Tensor, out: str, opset: int,
           dynamic: bool) -> None:
    with warnings.catch_warnings(), torch.no_grad():
        # the tracer's notes on Python-side shape checks (they hold for
        # every views count)
        warnings.simplefilter('ignore', torch.jit.TracerWarning)
        # the legacy exporter, chosen: it exports our modules as they are
        warnings.simplefilter('ignore', DeprecationWarning)
        torch.onnx.export(
            module, (example, ), out, dynamo=False, opset_version=opset,
            input_names=[INPUT_NAME], output_names=[OUTPUT_NAME],
            dynamic_axes={INPUT_NAME: {0: 'frames'}} if dynamic else None,
            do_constant_folding=True)


def to_openvino(onnx_path: str, xml_path: str,
                metadata: Optional[Dict[str, str]] = None) -> str:
    """Convert an ONNX graph to OpenVINO IR (``.xml`` + ``.bin``), float32
    weights (no fp16 compression), with ``metadata`` in its rt_info.

    Args:
        onnx_path (str): The ONNX file.
        xml_path (str): The IR's ``.xml`` file.
        metadata (dict, optional): Default: the ONNX file's.

    Returns:
        str: ``xml_path``.
    """
    import openvino as ov

    from .metadata import RT_INFO_SECTION, read_metadata
    model = ov.convert_model(onnx_path)
    if metadata is None:
        metadata = read_metadata(onnx_path)
    for key, value in metadata.items():
        model.set_rt_info(str(value), [RT_INFO_SECTION, key])
    ov.save_model(model, xml_path, compress_to_fp16=False)
    return xml_path
