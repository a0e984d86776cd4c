"""How the main object of each class moves: one table,
:data:`MAIN_OBJECTS`, from a forward (or appearance) class to the function
that samples its object. A time-reversed twin has no entry: it is its
forward class played backwards (:func:`.render.render_video`).

Each sampler draws from the generator in a fixed order, so the same seed
gives the same video.
"""
import math
from typing import Callable, Dict, NamedTuple, Tuple, Union

import numpy as np

from .classes import (
    ALL_CLASSES,
    ToyMotionError,
    family_of,
    is_forward_class,
    twin_class,
)
from .scene import (
    SPINNER_SYMMETRY,
    Pattern,
    SceneObject,
    Track,
    marker_colour,
    object_colour,
    random_object,
    small_drift,
    start_inside,
    straight_path,
    wandering_track,
)

Generator = np.random.Generator
# (num_frames, size, rng) -> the main object of a sample
Sampler = Callable[[int, int, Generator], SceneObject]

# cycles per frame of the short-term motions: the per-video rate and the
# per-frame jitter (see fast_phases)
FAST_RATE_RANGE = (0.12, 0.40)
FAST_RATE_JITTER = 0.05


class OrderPath(NamedTuple):
    """How an order-family object changes over the clip.

    Args:
        displacement (np.ndarray): (2,) total move of the centre in pixels.
        margin (float | np.ndarray): How far the centre keeps off the
            edges, in pixels (per axis if an array).
        radii (np.ndarray): (T,) radius per frame.
        opacities (np.ndarray): (T,) opacity per frame.
    """

    displacement: np.ndarray
    margin: Union[float, np.ndarray]
    radii: np.ndarray
    opacities: np.ndarray


def _moving_right(rng: Generator, size: int, num_frames: int,
                  radius: float) -> OrderPath:
    """45-70% of the frame in T-1 steps with a small sideways drift; may
    leave the frame by 40% along the way, never sideways."""
    travel = min(rng.uniform(0.45, 0.7) * size, size - 1.2 * radius)
    sideways = rng.uniform(-0.12, 0.12) * travel
    return OrderPath(np.array([travel, sideways]),
                     np.array([0.6, 1.0]) * radius,
                     np.full(num_frames, radius), np.ones(num_frames))


def _growing(rng: Generator, size: int, num_frames: int,
             radius: float) -> OrderPath:
    """Radius times 2.2-3 (geometric), on a small drift."""
    first_radius = rng.uniform(0.05, 0.08) * size
    radii = first_radius * rng.uniform(2.2, 3.0)**np.linspace(
        0.0, 1.0, num_frames)
    return OrderPath(small_drift(rng, size), 0.8 * radii[-1], radii,
                     np.ones(num_frames))


def _appearing(rng: Generator, size: int, num_frames: int,
               radius: float) -> OrderPath:
    """Opacity from 0-0.1 up to 1, on a small drift."""
    opacities = np.linspace(rng.uniform(0.0, 0.1), 1.0, num_frames)
    return OrderPath(small_drift(rng, size), radius,
                     np.full(num_frames, radius), opacities)


# forward class of the order family -> its path
ORDER_PATHS: Dict[str, Callable[..., OrderPath]] = {
    'moving_right': _moving_right,
    'growing': _growing,
    'appearing': _appearing,
}


def _forward_name(class_index: int) -> str:
    """The class name; a twin is refused (it is rendered reversed)."""
    name = ALL_CLASSES[class_index]
    if not is_forward_class(class_index):
        raise ToyMotionError(
            f'{name} is a reversed twin: sample '
            f'{ALL_CLASSES[twin_class(class_index)]} and reverse')
    return name


def sample_main_track(class_index: int, num_frames: int, size: int,
                      rng: Generator) -> Track:
    """The main object's track for a forward class of the order family.

    A radius of 9-15% of the frame and a random orientation, then the
    class's :data:`ORDER_PATHS` entry (movement of about 0.7-2 px per frame
    at 64 px; the non-translating classes drift by up to 6% of the frame).

    Args:
        class_index (int): A forward class of the order family.
        num_frames (int): Frames T.
        size (int): Frame height and width in pixels.
        rng (np.random.Generator): Source of randomness.

    Returns:
        Track: The main object's track.

    Raises:
        ToyMotionError: A twin, or a class of another family.
    """
    name = _forward_name(class_index)
    if name not in ORDER_PATHS:
        raise ToyMotionError(f'{name} is not a forward class of the order '
                             'family')
    radius = rng.uniform(0.09, 0.15) * size
    angles = np.full(num_frames, rng.uniform(0, 2 * np.pi))
    path = ORDER_PATHS[name](rng, size, num_frames, radius)
    start = start_inside(rng, size, path.margin, path.displacement)
    centres = straight_path(start, path.displacement, num_frames)
    return Track(centres, path.radii, angles, path.opacities)


def fast_phases(num_frames: int, rng: Generator,
                rate_range: Tuple[float, float] = FAST_RATE_RANGE,
                jitter: float = FAST_RATE_JITTER) -> np.ndarray:
    """The phase (in cycles) of a fast periodic motion, frame by frame.

    A random start phase (uniform), a random rate per video (uniform in
    ``rate_range`` cycles per frame) and a random per-frame jitter (uniform
    in +-``jitter``). Why these numbers:

    - every step lies in (0, 1/2) cycle (0.07-0.45 by default), so the
      direction of the motion is never aliased: between two consecutive
      frames the shortest way from one phase to the next is forward;
    - frames one segment apart (6-10 frames in the demo's 24-40 frame videos
      at T = 4) are out of phase: the rate's spread of 0.28 cycles per frame
      times 6 or more frames spreads their phase difference over more than
      1.6 cycles, i.e. around the whole circle: the first circular moment
      ``|E exp(2 pi i dphase)|`` of their phase difference is
      ``|sinc(0.28 d)| |sinc(0.1)|^d`` (``sinc(x) = sin(pi x) / (pi x)``),
      0.02-0.15 for d = 6-10 frames
      (1 would be a fixed difference, 0 a uniform one), so one frame per
      segment hardly tells the direction;
    - the start phase is uniform, so any single frame has the same
      distribution whatever the direction.

    Args:
        num_frames (int): Frames T.
        rng (np.random.Generator): Source of randomness.
        rate_range (Tuple[float, float]): Range of the per-video rate in
            cycles per frame. Defaults to (0.12, 0.40).
        jitter (float): Half-width of the per-frame jitter of the rate.
            Defaults to 0.05.

    Returns:
        np.ndarray: (T,) increasing phases in cycles.
    """
    start = rng.uniform()
    rate = rng.uniform(*rate_range)
    steps = rate + rng.uniform(-jitter, jitter, size=num_frames - 1)
    return start + np.concatenate([[0.0], np.cumsum(steps)])


def _drifting_stripes(rng: Generator, size: int, num_frames: int,
                      colour: tuple, still: np.ndarray) -> SceneObject:
    """A disc of radius 20-28% of the frame filled with two-colour
    sinusoidal stripes (period 14-19% of the frame, 9-12 px at 64 px, so
    that mp4 compression and the models' 2x downsampling keep them) moving
    at :func:`fast_phases` towards a direction within 25 degrees of +x:
    1-5 px per frame. The disc does not turn, so one frame is a static
    grating of random phase."""
    radius = rng.uniform(0.20, 0.28) * size
    pattern = Pattern(period=rng.uniform(0.14, 0.19) * size,
                      direction=np.deg2rad(rng.uniform(-25.0, 25.0)),
                      colour=marker_colour(colour),
                      phases=fast_phases(num_frames, rng))
    track = wandering_track(rng, size, num_frames, radius, still)
    return SceneObject('circle', colour, None, track, pattern)


def _spinner(rng: Generator, size: int, num_frames: int, colour: tuple,
             still: np.ndarray) -> SceneObject:
    """A plain shape with k-fold symmetry (triangle, square, plus or star;
    no marker dot) of radius 15-22% of the frame, turning clockwise by
    :func:`fast_phases` of 1/k turn: 4-54 degrees per frame; after a whole
    1/k turn it looks the same, so its orientation one segment later is
    random."""
    shape = sorted(SPINNER_SYMMETRY)[rng.integers(len(SPINNER_SYMMETRY))]
    radius = rng.uniform(0.15, 0.22) * size
    angles = still + 2 * np.pi / SPINNER_SYMMETRY[shape] * fast_phases(
        num_frames, rng)
    track = wandering_track(rng, size, num_frames, radius, angles)
    return SceneObject(shape, colour, None, track)


def _ring(rng: Generator, size: int, num_frames: int, colour: tuple,
          still: np.ndarray) -> SceneObject:
    """An outlined circle of radius 12-20% of the frame."""
    radius = rng.uniform(0.12, 0.2) * size
    track = wandering_track(rng, size, num_frames, radius, still)
    return SceneObject('circle', colour, None, track, outline=0.3)


def _checkerboard(rng: Generator, size: int, num_frames: int,
                  colour: tuple, still: np.ndarray) -> SceneObject:
    """A square of 4 x 4 checks, radius 14-20% of the frame."""
    radius = rng.uniform(0.14, 0.2) * size
    pattern = Pattern(period=radius * math.sqrt(2) / 2,
                      direction=float(still[0]),
                      colour=marker_colour(colour),
                      phases=np.zeros(num_frames), checks=True)
    track = wandering_track(rng, size, num_frames, radius, still)
    return SceneObject('square', colour, None, track, pattern)


def _order_object(name: str) -> Sampler:
    """A random shape with a marker dot on the track of an order class
    (:func:`sample_main_track`)."""
    index = ALL_CLASSES.index(name)
    return lambda num_frames, size, rng: random_object(
        rng, sample_main_track(index, num_frames, size, rng))


def _standing_object(draw: Callable[..., SceneObject]) -> Sampler:
    """An object of a random bright colour at a random still orientation,
    on a slow drift of up to 6% of the frame in a random direction (the
    same law for both classes of a pair, symmetric in time)."""

    def sample(num_frames: int, size: int, rng: Generator) -> SceneObject:
        colour = object_colour(rng)
        still = np.full(num_frames, rng.uniform(0, 2 * np.pi))
        return draw(rng, size, num_frames, colour, still)

    return sample


# forward or appearance class -> the sampler of its main object
MAIN_OBJECTS: Dict[str, Sampler] = {
    'moving_right': _order_object('moving_right'),
    'growing': _order_object('growing'),
    'appearing': _order_object('appearing'),
    'stripes_drifting_right': _standing_object(_drifting_stripes),
    'spinning_clockwise': _standing_object(_spinner),
    'ring': _standing_object(_ring),
    'checkerboard': _standing_object(_checkerboard),
}


def sample_main_object(class_index: int, num_frames: int, size: int,
                       rng: Generator) -> SceneObject:
    """The main object of a forward class (or of an appearance class), as
    its :data:`MAIN_OBJECTS` entry samples it.

    Args:
        class_index (int): A forward or appearance class.
        num_frames (int): Frames T.
        size (int): Frame height and width in pixels.
        rng (np.random.Generator): Source of randomness.

    Returns:
        SceneObject: The main object.

    Raises:
        ToyMotionError: A twin class.
    """
    family_of(class_index)  # checks the index
    return MAIN_OBJECTS[_forward_name(class_index)](num_frames, size, rng)
