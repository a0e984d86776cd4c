"""A copy of a video with a line of text (the top-1 class and score) drawn
on every frame.

MMAction2's ``ActionVisualizer`` draws through matplotlib frame by frame
and writes videos only with moviepy; this writes with OpenCV (mp4v), which
decord and OpenCV read back.
"""
from typing import Tuple

import cv2
import numpy as np


def draw_label(frame: np.ndarray, text: str) -> np.ndarray:
    """Draw ``text`` at the top left of an RGB frame, white on a dark box,
    sized to the frame.

    Args:
        frame (np.ndarray): (H, W, 3) uint8 RGB; drawn on in place.
        text (str): The line.

    Returns:
        np.ndarray: ``frame``.
    """
    height, width = frame.shape[:2]
    scale = max(0.3, min(width, height) / 400)
    thickness = max(1, round(scale * 1.5))
    (w, h), baseline = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale,
                                       thickness)
    margin = max(2, round(4 * scale))
    cv2.rectangle(frame, (0, 0), (w + 2 * margin, h + baseline + 2 * margin),
                  (0, 0, 0), thickness=-1)
    cv2.putText(frame, text, (margin, margin + h), cv2.FONT_HERSHEY_SIMPLEX,
                scale, (255, 255, 255), thickness, cv2.LINE_AA)
    return frame


def _even(size: Tuple[int, int]) -> Tuple[int, int]:
    return size[0] + size[0] % 2, size[1] + size[1] % 2


def write_annotated_video(video: str, out: str, text: str) -> int:
    """Write a copy of ``video`` with ``text`` on every frame (same frame
    rate; odd sizes padded to even, as mp4v needs).

    Args:
        video (str): The source video (read with decord).
        out (str): The ``.mp4`` to write (mp4v).
        text (str): The line, e.g. ``'moving right 0.93'``.

    Returns:
        int: Frames written.

    Raises:
        RuntimeError: OpenCV cannot write ``out``.
    """
    import decord
    reader = decord.VideoReader(video)
    fps = reader.get_avg_fps() or 25.0
    height, width = reader[0].shape[:2]
    out_h, out_w = _even((height, width))
    writer = cv2.VideoWriter(out, cv2.VideoWriter_fourcc(*'mp4v'), fps,
                             (out_w, out_h))
    if not writer.isOpened():
        raise RuntimeError(f'cannot write {out} (OpenCV mp4v)')
    try:
        for index in range(len(reader)):
            frame = reader[index].asnumpy()
            if (out_h, out_w) != (height, width):
                frame = cv2.copyMakeBorder(frame, 0, out_h - height, 0,
                                           out_w - width, cv2.BORDER_REPLICATE)
            frame = draw_label(np.ascontiguousarray(frame), text)
            writer.write(np.ascontiguousarray(frame[..., ::-1]))
    finally:
        writer.release()
    return len(reader)
