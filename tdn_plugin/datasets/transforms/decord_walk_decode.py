"""DecordDecode's frames, each decoded once by a forward walk."""
from typing import List

import numpy as np
from mmaction.datasets.transforms import DecordDecode
from mmaction.registry import TRANSFORMS


def _error_type() -> type:
    """decord's own error type (what ``get_batch`` raises)."""
    from decord._ffi.base import DECORDError
    return DECORDError


@TRANSFORMS.register_module()
class DecordWalkDecode(DecordDecode):
    """A drop-in for MMAction2's ``DecordDecode``: the same frames (same
    pixels, order, repeats), decoded by one forward walk through the video.

    ``DecordDecode`` ('accurate') asks decord's ``get_batch`` for the
    indices in the order given; each step back in them (the clips of a
    multi-clip test, e.g. TDN's 10x3 Kinetics test: 400 frames in 10 passes
    over the video) seeks to a keyframe and decodes again from there. This
    transform decodes the distinct indices in increasing order, each once,
    with decord itself: ``next()`` for a wanted frame, ``skip_frames`` for
    the frames between (decoded, not converted to RGB), and
    ``seek_accurate`` (the seek ``get_batch`` makes: to the keyframe before
    the frame, then forward) only where the next wanted frame lies past a
    keyframe more than ``seek_cost`` frames ahead, i.e. where the seek costs
    less than walking on to that keyframe. The frames are then laid out in
    the order of ``frame_inds``, repeats included, as one
    (N, H, W, 3) array split into a list, as ``DecordDecode`` returns them.

    TDN (the sampler whose 5 consecutive frames per segment make decoding
    the bottleneck): https://arxiv.org/abs/2012.10071

    Required keys: ``video_reader`` (``DecordInit``), ``frame_inds``.
    Added keys: ``imgs``, ``original_shape``, ``img_shape``;
    ``video_reader`` is set to None, ``gt_bboxes``/``proposals`` scaled,
    all as ``DecordDecode`` does (its ``transform`` is used unchanged).
    Indices are checked as ``get_batch`` checks them (negative ones count
    from the end, out of range raises ``IndexError``); a video that ends
    before its indexed frame count raises decord's ``DECORDError``, as
    ``get_batch`` does, so unreadable videos are skipped and named as
    before (``SkipBadVideos``). One exception to the same pixels: a frame
    damaged by a cut (the last frame of a truncated file) is concealed by
    ffmpeg from the frames decoded before it, so its pixels depend on the
    decoding order (they also differ between ``DecordDecode`` calls with
    increasing and decreasing indices).

    Example::

        dict(type='DecordInit'),
        dict(type='TDNSampleFrames', num_segments=8),
        dict(type='DecordWalkDecode'),

    Args:
        mode (str): 'accurate' (the walk) or 'efficient' (keyframes only,
            ``DecordDecode``'s own 'efficient' mode, unchanged). Defaults
            to 'accurate'.
        seek_cost (int): What one seek costs, in frames decoded: the walk
            goes on through a keyframe up to this many frames ahead instead
            of seeking to the keyframe before the next wanted frame.
            Defaults to 16 (a seek with its keyframe check took about as
            long as 15-20 skipped frames of a 340x256 H.264 clip).
    """

    def __init__(self, mode: str = 'accurate', seek_cost: int = 16) -> None:
        super().__init__(mode)
        if seek_cost < 0:
            raise ValueError(f'seek_cost must be >= 0, got {seek_cost}')
        self.seek_cost = seek_cost

    def _decord_load_frames(self, container: object,
                            frame_inds: np.ndarray) -> List[np.ndarray]:
        if self.mode != 'accurate':
            return super()._decord_load_frames(container, frame_inds)
        total = len(container)
        inds = np.array(frame_inds, dtype=np.int64).reshape(-1)
        inds[inds < 0] += total  # as get_batch: negative counts from the end
        if not (inds >= 0).all():
            raise IndexError('Invalid negative indices: '
                             f'{inds[inds < 0] + total}')
        if not (inds < total).all():
            raise IndexError(f'Out of bound indices: {inds[inds >= total]}')
        wanted, where = np.unique(inds, return_inverse=True)
        frames = self.walk(container, wanted.tolist(),
                           sorted(container.get_key_indices()))
        batch = np.empty((len(inds), ) + frames[0].shape, np.uint8)
        for slot, frame in enumerate(frames):
            batch[where == slot] = frame
        return list(batch)

    def walk(self, container: object, wanted: List[int],
             keys: List[int]) -> List[np.ndarray]:
        """Decode the frames ``wanted`` (increasing, distinct).

        Args:
            container (decord.VideoReader): The reader.
            wanted (list[int]): Frame indices, increasing, distinct.
            keys (list[int]): The keyframe indices, increasing.

        Returns:
            list[np.ndarray]: (H, W, 3) uint8 RGB frames, one per index.
        """
        frames = []
        position = None  # the next frame the reader returns, if known
        for index in wanted:
            if position is None or index < position:
                container.seek_accurate(index)
            elif index > position:
                self._advance(container, position, index, keys)
            frames.append(self._next(container, index))
            position = index + 1
        return frames

    def _advance(self, container: object, position: int, index: int,
                 keys: List[int]) -> None:
        """Bring the reader from ``position`` to ``index`` (> position)."""
        between = [k for k in keys if position < k <= index]
        if between and between[-1] - position > self.seek_cost:
            # get_batch's seek: to the keyframe before index, then forward
            container.seek_accurate(index)
            return
        # decord's skip_frames seeks when it lands at or past a keyframe:
        # stop before each one and decode it in passing instead
        for key in between:
            if key - 1 > position:
                container.skip_frames(key - 1 - position)
            self._next(container, key - 1)
            position = key
        if index > position:
            container.skip_frames(index - position)

    @staticmethod
    def _next(container: object, index: int) -> np.ndarray:
        try:
            return container.next().asnumpy()
        except StopIteration:
            # get_batch's error for a video shorter than its index says
            raise _error_type()(f'Error getting frame at: {index} with '
                                f'total frames: {len(container)}') from None

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(mode={self.mode}, '
                f'seek_cost={self.seek_cost})')
