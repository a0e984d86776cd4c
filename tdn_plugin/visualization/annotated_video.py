"""A copy of a video with a line of text (the top-1 class and score) drawn
on every frame.

MMAction2's ``ActionVisualizer`` draws through matplotlib frame by frame
and writes videos only with moviepy; this writes with OpenCV (mp4v), which
decord and OpenCV read back.
"""
import os.path as osp
from typing import Dict, Sequence

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


def write_annotated_video(video: str, out: str, text: str) -> int:
    """Write a copy of ``video`` with ``text`` on every frame (same frame
    rate), with :func:`tdn_plugin.utils.video_io.mp4_writer`.

    Args:
        video (str): The source video (read with decord).
        out (str): The ``.mp4`` to write (mp4v).
        text (str): The line, e.g. ``'moving right 0.93'``.

    Returns:
        int: Frames written.
    """
    import decord

    from tdn_plugin.utils.video_io import mp4_writer
    reader = decord.VideoReader(video)
    height, width = reader[0].shape[:2]
    with mp4_writer(out, reader.get_avg_fps() or 25.0, height,
                    width) as write:
        for index in range(len(reader)):
            frame = np.ascontiguousarray(reader[index].asnumpy())
            write(draw_label(frame, text))
    return len(reader)


def annotated_paths(videos: Sequence[str], out: str,
                    overwrite: bool = False) -> Dict[str, str]:
    """Where the annotated copy of each video goes, by one rule for one
    video and for many: ``out`` itself for one video and an ``.mp4``
    ``out``; else ``out/NAME_EXT.mp4`` (``a.avi`` -> ``a_avi.mp4``, so
    ``a.avi`` and ``a.mp4`` never share one). A name taken by another
    video of the run, or by a file already there (unless ``overwrite``),
    is numbered: ``a_mp4-2.mp4``. No output replaces another.

    Args:
        videos (Sequence[str]): The video files.
        out (str): An ``.mp4`` file or a folder.
        overwrite (bool): Replace files already in ``out`` instead of
            numbering the new ones. Defaults to False.

    Returns:
        dict[str, str]: Video -> annotated file.
    """
    if len(videos) == 1 and out.endswith('.mp4') and not osp.isdir(out):
        return {videos[0]: out}
    paths, used = {}, set()
    for video in dict.fromkeys(videos):
        stem, ext = osp.splitext(osp.basename(video))
        name = f'{stem}_{ext.lstrip(".").lower()}' if ext else stem
        unique, number = name, 2
        while unique in used or (not overwrite and osp.exists(
                osp.join(out, unique + '.mp4'))):
            unique, number = f'{name}-{number}', number + 1
        used.add(unique)
        paths[video] = osp.join(out, unique + '.mp4')
    return paths
