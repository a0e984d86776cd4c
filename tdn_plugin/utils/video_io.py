"""Video files and the text files that describe them: the one home of the
plugin's video suffixes, mp4 writer, frame reader and extractor, MMAction2
video-list reader, class-name reader and class-family (``families.json``)
reader.

Videos are written as mp4v with OpenCV (decord, MMAction2's reader, reads
them back frame for frame) and read with decord. Frames are (T, H, W, 3)
uint8 RGB everywhere.
"""
import contextlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import (
    Callable,
    Dict,
    Iterator,
    List,
    Optional,
    Sequence,
    Tuple,
    Union,
)

import numpy as np

from .errors import MissingFileError, UserError, describe

PathLike = Union[str, Path]
DEFAULT_FPS = 12.0
VIDEO_SUFFIXES = ('.mp4', '.avi', '.mkv', '.webm', '.mov', '.m4v', '.flv',
                  '.mpg', '.mpeg', '.wmv')
FAMILIES_FILE = 'families.json'


class UnreadableVideoError(UserError, RuntimeError):
    """A video file the decoder cannot open or read (its reason from
    :func:`decoder_reason`)."""


class ListFileError(UserError, ValueError):
    """A video list, class-name or families file that cannot be read as
    one."""


def even_size(height: int, width: int) -> Tuple[int, int]:
    """The frame size an mp4v file takes: odd sides rounded up.

    Args:
        height (int): Frame height.
        width (int): Frame width.

    Returns:
        tuple[int, int]: (height, width), both even.
    """
    return height + height % 2, width + width % 2


@contextlib.contextmanager
def mp4_writer(path: PathLike,
               fps: float,
               height: int,
               width: int,
               gop: Optional[int] = None
               ) -> Iterator[Callable[[np.ndarray], None]]:
    """Open an mp4v file; yield a function that appends one RGB frame.

    Frames of an odd side are padded (border replicated) to
    :func:`even_size`, as mp4v needs. The file is closed on exit, also
    after an error. The container follows the suffix (``.mp4``, ``.avi``,
    ...), the codec is always mp4v (MPEG-4 part 2, no B-frames).

    Args:
        path (str | Path): The ``.mp4`` to write.
        fps (float): Frames per second.
        height (int): Height of the frames that will be written.
        width (int): Width of the frames that will be written.
        gop (int, optional): Frames from one keyframe to the next (the
            encoder may add keyframes where the picture changes
            completely). Defaults to None (OpenCV's 12).

    Yields:
        callable: ``write(frame)``, frame (H, W, 3) uint8 RGB.

    Raises:
        OSError: OpenCV cannot open ``path`` for writing.
    """
    import cv2
    out_h, out_w = even_size(height, width)
    params = [] if gop is None else [cv2.VIDEOWRITER_PROP_GOP_SIZE, gop]
    writer = cv2.VideoWriter(str(path), cv2.CAP_FFMPEG,
                             cv2.VideoWriter_fourcc(*'mp4v'), fps,
                             (out_w, out_h), params)
    if not writer.isOpened():
        raise OSError(f'cannot open {path} for writing (OpenCV mp4v)')

    def write(frame: np.ndarray) -> None:
        if frame.shape[:2] != (out_h, out_w):
            frame = cv2.copyMakeBorder(frame, 0, out_h - frame.shape[0], 0,
                                       out_w - frame.shape[1],
                                       cv2.BORDER_REPLICATE)
        writer.write(np.ascontiguousarray(frame[..., ::-1]))

    try:
        yield write
    finally:
        writer.release()


def write_video(path: PathLike,
                frames: np.ndarray,
                fps: float = DEFAULT_FPS,
                gop: Optional[int] = None) -> None:
    """Write frames as an mp4v video that decord reads back.

    Args:
        path (str | Path): The ``.mp4`` (or ``.avi``) to write.
        frames (np.ndarray): (T, H, W, 3) uint8 RGB.
        fps (float): Frames per second. Defaults to 12.
        gop (int, optional): Keyframe interval, see :func:`mp4_writer`.
            Defaults to None (OpenCV's 12).

    Raises:
        OSError: OpenCV cannot open ``path`` for writing.
    """
    height, width = frames.shape[1:3]
    with mp4_writer(path, fps, height, width, gop) as write:
        for frame in frames:
            write(frame)


def read_frames(path: PathLike,
                max_frames: Optional[int] = None) -> np.ndarray:
    """Decode a video with decord.

    Args:
        path (str | Path): Video file.
        max_frames (int, optional): Read at most this many frames.
            Defaults to None (all).

    Returns:
        np.ndarray: (T, H, W, 3) uint8 RGB.

    Raises:
        UnreadableVideoError: decord cannot open it (one line, no decoder
            output on stderr).
    """
    reader = open_video(path)
    count = len(reader) if max_frames is None else min(len(reader),
                                                       max_frames)
    return reader.get_batch(list(range(count))).asnumpy()


def count_frames(path: PathLike) -> int:
    """The number of frames decord reads from a video.

    Args:
        path (str | Path): Video file.

    Returns:
        int: Frame count.

    Raises:
        UnreadableVideoError: decord cannot open it.
    """
    return len(open_video(path))


def extract_frames(path: PathLike, directory: PathLike,
                   filename_tmpl: str = 'img_{:05}.jpg',
                   start_index: int = 1) -> int:
    """Write a video's frames as JPEG images, as MMAction2's rawframe
    datasets (``RawframeDataset``, ``RawFrameDecode``) read them.

    Args:
        path (str | Path): Video file.
        directory (str | Path): Folder of the frames (made if missing).
        filename_tmpl (str): Frame file name for its number. Defaults to
            ``'img_{:05}.jpg'`` (MMAction2's).
        start_index (int): Number of the first frame. Defaults to 1.

    Returns:
        int: Frames written.
    """
    import cv2
    os.makedirs(directory, exist_ok=True)
    reader = open_video(path)
    for i in range(len(reader)):
        frame = reader.next().asnumpy()
        name = os.path.join(str(directory),
                            filename_tmpl.format(start_index + i))
        if not cv2.imwrite(name, np.ascontiguousarray(frame[..., ::-1])):
            raise OSError(f'cannot write {name}')
    return len(reader)


def _text_lines(path: PathLike) -> Iterator[Tuple[int, str]]:
    """(line number, stripped line) of the non-empty lines of a file."""
    try:
        text = Path(path).read_text()
    except FileNotFoundError:
        raise MissingFileError(f'file not found: {path}') from None
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            yield number, line.strip()


def read_video_list(path: PathLike) -> List[Tuple[str, int]]:
    """Parse an MMAction2 VideoDataset list (``path label`` a line).

    Args:
        path (str | Path): The list, e.g. ``train.txt``.

    Returns:
        list[tuple[str, int]]: (video path as written, label) pairs.

    Raises:
        MissingFileError: The file is not there.
        ListFileError: A line is not ``path label`` (names the line).
    """
    entries = []
    for number, line in _text_lines(path):
        fields = line.split()
        try:
            if len(fields) != 2:
                raise ValueError
            entries.append((fields[0], int(fields[1])))
        except ValueError:
            raise ListFileError(f'{path}:{number}: expected "path label", '
                                f'got {line!r}') from None
    return entries


def read_class_names(path: PathLike,
                     num_classes: Optional[int] = None) -> List[str]:
    """Class names, one a line (line index = label).

    Args:
        path (str | Path): Text file, e.g. ``classes.txt``.
        num_classes (int, optional): The classes a model has; the file
            must name as many. Defaults to None (not checked).

    Returns:
        list[str]: The names.

    Raises:
        MissingFileError: The file is not there.
        ListFileError: It names another number of classes.
    """
    names = [line for _, line in _text_lines(path)]
    if num_classes is not None and len(names) != num_classes:
        raise ListFileError(f'{path} names {len(names)} classes, the model '
                            f'has {num_classes}')
    return names


def list_videos(inputs: Union[str, Sequence[str]]) -> List[str]:
    """Video files of ``inputs`` (files and folders); a folder gives its
    videos (:data:`VIDEO_SUFFIXES`), sorted; a missing file is kept, to be
    reported."""
    videos = []
    for path in [inputs] if isinstance(inputs, str) else inputs:
        if os.path.isdir(path):
            videos += sorted(
                os.path.join(path, name) for name in os.listdir(path)
                if name.lower().endswith(VIDEO_SUFFIXES))
        else:
            videos.append(path)
    return videos


def is_video_list(path: Optional[PathLike]) -> bool:
    """Whether a list's first entry is a video file (not a frame folder)."""
    try:
        entries = read_video_list(path) if path else []
    except (OSError, ValueError):
        return False
    return bool(entries) and entries[0][0].lower().endswith(VIDEO_SUFFIXES)


def load_families(path: PathLike,
                  classes: Sequence[str]) -> Dict[str, List[int]]:
    """Read a ``families.json`` ({family: [class name, ...]}) as family ->
    class indices of ``classes``.

    Raises:
        ListFileError: Not such a file, or a class name not in ``classes``.
    """
    try:
        raw = json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        raise ListFileError(f'cannot read the families file {path}: {error}')
    if not isinstance(raw, dict) or not all(
            isinstance(v, list) for v in raw.values()):
        raise ListFileError(f'{path}: expected {{"family": ["class", ...]}}')
    index = {name: i for i, name in enumerate(classes)}
    for family, names in raw.items():
        unknown = [n for n in names if n not in index]
        if unknown:
            raise ListFileError(
                f'{path}: family {family!r} names classes not in the class '
                f'list: {", ".join(map(str, unknown))}')
    return {family: [index[n] for n in names]
            for family, names in raw.items()}


def find_families(directories: Sequence[PathLike],
                  classes: Sequence[str]) -> Optional[Dict[str, List[int]]]:
    """The first ``families.json`` in ``directories``, read with
    :func:`load_families`; None where there is none."""
    for directory in directories:
        path = Path(directory) / FAMILIES_FILE
        if path.is_file():
            return load_families(path, classes)
    return None


class DecoderOutput:
    """What the decoder printed on file descriptor 2 inside a
    :func:`decoder_output` block so far (:meth:`text`)."""

    def __init__(self, sink) -> None:
        self._sink = sink
        self.taken = False  # the text became a reason: not passed on

    def text(self) -> str:
        """The text printed so far (taken: it is not passed on)."""
        self.taken = True
        return os.pread(self._sink.fileno(), 1 << 16, 0).decode(
            errors='replace')


@contextlib.contextmanager
def decoder_output() -> Iterator[DecoderOutput]:
    """Catch what decord and FFmpeg print on file descriptor 2 (FFmpeg's
    ``moov atom not found``, decord's ``ERROR opening`` lines, the
    contents of a text file probed as a video) while a video is opened in
    the block, so that it becomes one reason (:func:`decoder_reason`)
    instead of raw lines. The descriptor is redirected only during the
    block; unless the block raised or took the text for a reason, what
    was printed is passed on to stderr as it would have been.

    Yields:
        DecoderOutput: Its :meth:`~DecoderOutput.text` so far.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        output, failed = DecoderOutput(sink), True
        try:
            yield output
            failed = False
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            if not (failed or output.taken):
                text = DecoderOutput(sink).text()
                if text:
                    sys.stderr.write(text)


def decoder_reason(path: PathLike, printed: str,
                   error: BaseException) -> str:
    """Why a video cannot be read, on one line: from what the decoder
    printed (:func:`decoder_output`) and the file itself, else the
    error's own line.

    Args:
        path (str | Path): The video file.
        printed (str): What the decoder printed while opening it.
        error (BaseException): What it raised.

    Returns:
        str: E.g. ``'a text file, not a video'``.
    """
    try:
        with open(path, 'rb') as f:
            head = f.read(512)
    except OSError:
        head = None
    if head == b'':
        return 'an empty file'
    if head is not None and b'\0' not in head:
        try:
            head.decode('utf-8')
            return 'a text file, not a video'
        except UnicodeDecodeError:
            pass
    if 'moov atom not found' in printed:
        return ('no moov atom: the file is cut short (an unfinished '
                'download or copy) or not an mp4')
    told = f'{printed}\n{error}'
    if 'Invalid data found when processing input' in told:
        return 'not a video the decoder knows (invalid data)'
    if 'cannot find video stream' in told:
        return ('no video stream: the file is cut short or holds no '
                'video')
    for line in reversed(told.splitlines()):
        if 'ERROR' in line:  # decord's: "... ERROR what went wrong"
            return line.split('ERROR', 1)[1].strip(' :')[:200]
    return describe(error)


def open_video(path: PathLike, **kwargs):
    """``decord.VideoReader`` of a file, with the decoder's own lines
    turned into one reason.

    Args:
        path (str | Path): Video file.
        **kwargs: Of ``decord.VideoReader`` (e.g. ``num_threads``).

    Returns:
        decord.VideoReader: The reader.

    Raises:
        UnreadableVideoError: decord cannot open it (``cannot read PATH:
            reason``).
    """
    import decord
    with decoder_output() as output:
        try:
            return decord.VideoReader(str(path), **kwargs)
        except Exception as error:  # noqa: BLE001  decord's, to one line
            raise UnreadableVideoError(
                f'cannot read {path}: '
                f'{decoder_reason(path, output.text(), error)}') from error
