"""Rendering one toy video: background, distractors, the class's main
object and noise, in memory."""
from typing import Sequence, Tuple

import numpy as np

from .classes import (
    DEFAULT_NUM_FRAMES_RANGE,
    DEFAULT_SIZE,
    SPLITS,
    ToyMotionError,
    check_class_index,
    is_forward_class,
    twin_class,
)
from .motions import sample_main_object
from .scene import (
    SceneObject,
    draw_object,
    random_object,
    render_background,
    sample_distractor_track,
)


def check_num_frames_range(num_frames_range: Sequence[int]) -> None:
    """Raise :class:`ToyMotionError` unless 2 <= low <= high."""
    low, high = num_frames_range
    if not 2 <= low <= high:
        raise ToyMotionError('num_frames_range must be (low, high) with '
                             '2 <= low <= high, got '
                             f'{tuple(num_frames_range)}')


def check_size(size: int) -> None:
    """Raise :class:`ToyMotionError` unless the size is even and >= 16."""
    if size < 16 or size % 2:
        raise ToyMotionError(f'size must be even and >= 16 (mp4v needs even '
                             f'frame sizes), got {size}')
def render_video(
    class_index: int,
    rng: np.random.Generator,
    size: int = DEFAULT_SIZE,
    num_frames_range: Sequence[int] = DEFAULT_NUM_FRAMES_RANGE,
) -> np.ndarray:
    """Render one sample of a class, without writing it.

    A twin class (second of a time-reversed pair) is rendered as its forward
    class with the same ``rng`` and then reversed in time, so for any
    generator state ``X``, ``render_video(twin_class(c), X)`` equals
    ``render_video(c, X)[::-1]``.

    Args:
        class_index (int): A position in :data:`ALL_CLASSES` (the default
            set's labels are the same positions in :data:`CLASSES`).
        rng (np.random.Generator): Source of randomness; consumed.
        size (int): Frame height and width in pixels (even, >= 16).
            Defaults to 64.
        num_frames_range (Sequence[int]): Inclusive range of the random
            number of frames. Defaults to (24, 40).

    Returns:
        np.ndarray: (T, size, size, 3) uint8 RGB frames.
    """
    check_class_index(class_index)
    check_size(size)
    check_num_frames_range(num_frames_range)
    if not is_forward_class(class_index):
        forward = render_video(twin_class(class_index), rng, size,
                               num_frames_range)
        return np.ascontiguousarray(forward[::-1])
    return render_forward_sample(class_index, rng, size,
                                 num_frames_range)[0]


def render_forward_sample(
    class_index: int,
    rng: np.random.Generator,
    size: int = DEFAULT_SIZE,
    num_frames_range: Sequence[int] = DEFAULT_NUM_FRAMES_RANGE,
) -> Tuple[np.ndarray, SceneObject]:
    """Render a sample of a forward (or appearance) class, and say how.

    Args:
        class_index (int): A forward or appearance class of
            :data:`ALL_CLASSES`.
        rng (np.random.Generator): Source of randomness; consumed as
            :func:`render_video` does.
        size (int): Frame height and width in pixels. Defaults to 64.
        num_frames_range (Sequence[int]): Inclusive range of the random
            number of frames. Defaults to (24, 40).

    Returns:
        Tuple[np.ndarray, SceneObject]: (T, size, size, 3) uint8 RGB frames
        and the main object drawn in them.
    """
    low, high = num_frames_range
    num_frames = int(rng.integers(low, high + 1))
    background = np.clip(np.round(render_background(rng, size)), 0,
                         255).astype(np.uint8)
    distractors = [
        random_object(rng, sample_distractor_track(num_frames, size, rng))
        for _ in range(rng.integers(1, 3))
    ]
    main_object = sample_main_object(class_index, num_frames, size, rng)
    frames = np.empty((num_frames, size, size, 3), dtype=np.uint8)
    for frame_index in range(num_frames):
        frame = background.copy()
        for scene_object in (*distractors, main_object):
            draw_object(frame, scene_object, frame_index)
        frames[frame_index] = frame
    noise_std = rng.uniform(2.0, 8.0)
    noise = rng.standard_normal(frames.shape, dtype=np.float32)
    noisy = frames + np.float32(noise_std) * noise
    return np.clip(np.round(noisy), 0, 255).astype(np.uint8), main_object


def sample_rng(seed: int, split: str, class_index: int,
               index_in_class: int) -> np.random.Generator:
    """The generator of one sample of the set.

    Keyed by (seed, split, class, index) so that a sample does not depend on
    how many videos are made: a bigger set starts with the smaller one.

    Args:
        seed (int): Dataset seed, >= 0.
        split (str): ``'train'`` or ``'val'``.
        class_index (int): Label.
        index_in_class (int): Sample number within its class and split.

    Returns:
        np.random.Generator: A fresh generator.
    """
    return np.random.default_rng(
        [seed, SPLITS.index(split), class_index, index_in_class])

