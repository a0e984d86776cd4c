"""int8 post-training quantisation with ONNX Runtime (static, QDQ)."""
import os
import tempfile
from typing import Dict, Iterable, Optional

import numpy as np


class FramesReader:
    """Preprocessed clips, one calibration batch each: ONNX Runtime's
    ``CalibrationDataReader`` (any class with ``get_next`` is one)."""

    def __init__(self, frames: Iterable[np.ndarray], input_name: str) -> None:
        self.batches = ({input_name: np.ascontiguousarray(f, np.float32)}
                        for f in frames)

    def get_next(self) -> Optional[dict]:
        return next(self.batches, None)


def quantize_int8(onnx_in: str, onnx_out: str,
                  calibration_frames: Iterable[np.ndarray],
                  metadata: Optional[Dict[str, str]] = None) -> str:
    """Static int8 quantisation: QDQ format, unsigned 8-bit activations
    (min-max calibrated on ``calibration_frames``), signed 8-bit weights
    (per output channel).

    Args:
        onnx_in, onnx_out (str): The float32 graph; the int8 graph.
        calibration_frames (Iterable[np.ndarray]): Preprocessed clips,
            (frames, 3, H, W) float32 each.
        metadata (dict, optional): Stored in the int8 graph
            (``quantization`` is added).

    Returns:
        str: ``onnx_out``.
    """
    from onnxruntime.quantization import (
        QuantFormat,
        QuantType,
        quant_pre_process,
        quantize_static,
    )

    from tdn_plugin.utils.errors import runtime_errors

    from .graph import INPUT_NAME, write_onnx_metadata
    frames = list(calibration_frames)
    with tempfile.TemporaryDirectory() as tmp:
        prepared = os.path.join(tmp, 'prepared.onnx')
        # shape inference and graph clean-up, as ONNX Runtime recommends
        with runtime_errors('ONNX Runtime quantization'):
            quant_pre_process(onnx_in, prepared, skip_symbolic_shape=True)
            quantize_static(
                prepared, onnx_out, FramesReader(frames, INPUT_NAME),
                quant_format=QuantFormat.QDQ, per_channel=True,
                activation_type=QuantType.QUInt8,
                weight_type=QuantType.QInt8)
    return write_onnx_metadata(onnx_out, dict(
        metadata or {}, quantization='int8 static QDQ (onnxruntime), '
        f'{len(frames)} calibration clip(s)'))
