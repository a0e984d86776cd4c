"""int8 post-training quantisation with ONNX Runtime (static, QDQ)."""
import os
import tempfile
from typing import Dict, Iterable, Optional

import numpy as np


def _reader(frames: Iterable[np.ndarray], input_name: str):
    from onnxruntime.quantization import CalibrationDataReader

    class FramesReader(CalibrationDataReader):
        """Preprocessed clips, one calibration batch each."""

        def __init__(self) -> None:
            self.clips = iter(frames)

        def get_next(self) -> Optional[dict]:
            clip = next(self.clips, None)
            return None if clip is None else {
                input_name: np.ascontiguousarray(clip, dtype=np.float32)}

    return FramesReader()


def quantize_int8(onnx_in: str, onnx_out: str,
                  calibration_frames: Iterable[np.ndarray],
                  metadata: Optional[Dict[str, str]] = None,
                  per_channel: bool = True) -> str:
    """Static int8 quantisation: QDQ format, unsigned 8-bit activations
    (min-max calibrated on ``calibration_frames``), signed 8-bit weights
    (per output channel).

    Args:
        onnx_in (str): The float32 graph.
        onnx_out (str): The int8 graph.
        calibration_frames (Iterable[np.ndarray]): Preprocessed clips,
            (frames, 3, H, W) float32 each.
        metadata (dict, optional): Stored in the int8 graph
            (``quantization`` is added).
        per_channel (bool): Per-channel weight scales. Defaults to True.

    Returns:
        str: ``onnx_out``.
    """
    import onnx
    from onnxruntime.quantization import (
        QuantFormat,
        QuantType,
        quant_pre_process,
        quantize_static,
    )

    from .graph import INPUT_NAME
    frames = list(calibration_frames)
    with tempfile.TemporaryDirectory() as tmp:
        prepared = os.path.join(tmp, 'prepared.onnx')
        # shape inference and graph clean-up, as ONNX Runtime recommends
        quant_pre_process(onnx_in, prepared, skip_symbolic_shape=True)
        quantize_static(
            prepared, onnx_out, _reader(frames, INPUT_NAME),
            quant_format=QuantFormat.QDQ, per_channel=per_channel,
            activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
    metadata = dict(metadata or {})
    metadata['quantization'] = (f'int8 static QDQ (onnxruntime), '
                                f'{len(frames)} calibration clip(s)')
    graph = onnx.load(onnx_out)
    del graph.metadata_props[:]
    onnx.helper.set_model_props(graph, metadata)
    onnx.save(graph, onnx_out)
    return onnx_out
