"""Toy motion videos in families of class pairs that appearance cannot
separate, each family probing a different range of motion.

``order`` (long-range order): moving right / left, growing / shrinking,
appearing / disappearing. Each motion spans the whole clip, so one frame per
segment (TSN sampling) shows it, if the model relates the segments in order
(TSM, TDN); an order-blind model (TSN) at best tells the pair.

``short-term`` (motion between consecutive frames only): stripes drifting
right / left inside a wandering disc, a rotationally symmetric shape spinning
clockwise / anticlockwise. The motion is fast and periodic (0.12-0.45 of a
cycle per frame, random rate, random phase, per-frame rate jitter), so the
phase wraps around several times within one segment (6-10 frames): frames
one segment apart are out of phase, and the T frames of TSN sampling carry
(almost) no information on the direction. Only frames a few steps apart
(TDN's 5-frame windows) show it. See :func:`fast_phases`.

``appearance`` (a control, not in the default set): a ring or a checkerboard
square wandering slowly; one frame tells the class, so every model should
learn it.

Every order and short-term class has a time-reversed twin: a sample of a
twin class is a freshly rendered sample of its forward class with the frames
reversed, so within a pair the frames, as an unordered bag, are distributed
identically and carry no class information. Everything else in a video obeys
laws symmetric in time: a random textured background (gradient, stripes or
blobs), 1-2 smaller distractor objects bouncing around, small drifts in
random directions, per-pixel Gaussian noise, a random number of frames.

Layout written by :func:`make_toy_motion` in ``out_dir``::

    videos/000000.mp4 ...   # mp4v, FPS frames per second, decodable by decord
    train.txt, val.txt      # MMAction2 VideoDataset lists: "000123.mp4 3"
    classes.txt             # one class name per line, line index = label
    families.json           # {"order": [class names], "short-term": [...]}
    toy_motion.json         # parameters, written last: marks a complete set
"""
import colorsys
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np

# family -> its classes. In the order and short-term families a forward
# class is followed by its time-reversed twin.
FAMILIES: Dict[str, Tuple[str, ...]] = {
    'order': ('moving_right', 'moving_left', 'growing', 'shrinking',
              'appearing', 'disappearing'),
    'short-term': ('stripes_drifting_right', 'stripes_drifting_left',
                   'spinning_clockwise', 'spinning_anticlockwise'),
    'appearance': ('ring', 'checkerboard'),
}
# families with time-reversed twin pairs, and what tells the twins apart
REVERSED_PAIR_FAMILIES = ('order', 'short-term')
TWINS_DIFFER = {
    'order': 'differ in the order of the frames',
    'short-term': 'differ only between consecutive frames',
}
DEFAULT_FAMILIES = ('order', 'short-term')
# every class the generator can render; a class index (``class_index``
# below) is a position in this list
ALL_CLASSES: List[str] = [name for family in FAMILIES.values()
                          for name in family]
# the classes of the default set (label = position), all in reversed pairs
CLASSES: List[str] = [name for family in DEFAULT_FAMILIES
                      for name in FAMILIES[family]]
FAMILIES_FILE = 'families.json'
FPS = 12
DEFAULT_VIDEOS_PER_CLASS = 60
DEFAULT_VAL_PER_CLASS = 20
DEFAULT_SIZE = 64
DEFAULT_NUM_FRAMES_RANGE = (24, 40)
META_FILE = 'toy_motion.json'
# bump when the rendering changes, so that old sets are not reused
GENERATOR_VERSION = 2

_SPLITS = ('train', 'val')
_VIDEO_NAME = re.compile(r'^\d{6}\.mp4$')
_SUBPIXEL_BITS = 4  # cv2 drawing with 1/16 pixel precision
_SUBPIXEL = 1 << _SUBPIXEL_BITS


def _regular_polygon(num_vertices: int, phase: float = 0.0) -> np.ndarray:
    angles = phase + 2 * np.pi * np.arange(num_vertices) / num_vertices
    return np.stack([np.cos(angles), np.sin(angles)], axis=1)


def _star(num_points: int = 5, inner: float = 0.45) -> np.ndarray:
    outline = _regular_polygon(2 * num_points)
    outline[1::2] *= inner
    return outline


def _plus(arm_width: float = 0.36) -> np.ndarray:
    w = arm_width
    return np.array([[w, -1], [w, -w], [1, -w], [1, w], [w, w], [w, 1],
                     [-w, 1], [-w, w], [-1, w], [-1, -w], [-w, -w],
                     [-w, -1]]) / math.hypot(1, w) * 1.1


# outlines in unit coordinates (x right, y down), radius about 1
SHAPES: Dict[str, np.ndarray] = {
    'circle': _regular_polygon(32),
    'ellipse': _regular_polygon(32) * np.array([1.0, 0.6]),
    'square': _regular_polygon(4, np.pi / 4),
    'triangle': _regular_polygon(3, -np.pi / 2),
    'diamond': np.array([[1.0, 0.0], [0.0, 0.55], [-1.0, 0.0], [0.0, -0.55]]),
    'hexagon': _regular_polygon(6),
    'star': _star(),
    'plus': _plus(),
}
_SHAPE_NAMES = sorted(SHAPES)
# shapes that look the same after 1/k of a turn, and their k: a spinner
SPINNER_SYMMETRY: Dict[str, int] = {
    'triangle': 3,
    'square': 4,
    'plus': 4,
    'star': 5,
}


@dataclass
class Track:
    """Where and how an object is drawn in each frame.

    Args:
        centres (np.ndarray): (T, 2) centre x, y in pixels.
        radii (np.ndarray): (T,) radius in pixels.
        angles (np.ndarray): (T,) orientation in radians; increasing angles
            turn clockwise on screen (image y points down).
        opacities (np.ndarray): (T,) opacity in [0, 1].
    """

    centres: np.ndarray
    radii: np.ndarray
    angles: np.ndarray
    opacities: np.ndarray

    def reversed(self) -> 'Track':
        """The same track played backwards."""
        return Track(self.centres[::-1].copy(), self.radii[::-1].copy(),
                     self.angles[::-1].copy(), self.opacities[::-1].copy())


@dataclass
class Pattern:
    """A two-colour texture filling an object, in the object's frame.

    Stripes: ``0.5 + 0.5 * sin(2 pi (u / period - phase))`` with ``u`` the
    coordinate along ``direction``, so an increasing phase moves the stripes
    along ``direction``. Checks: the product of two square waves.

    Args:
        period (float): Spatial period in pixels.
        direction (float): Direction (radians, clockwise from +x) that the
            stripes move in as the phase grows.
        colour (Tuple[float, float, float]): RGB of the second colour,
            0-255 (the first is the object's).
        phases (np.ndarray): (T,) phase in cycles per frame.
        checks (bool): A checkerboard instead of stripes. Defaults to False.
    """

    period: float
    direction: float
    colour: Tuple[float, float, float]
    phases: np.ndarray
    checks: bool = False


@dataclass
class SceneObject:
    """A shape, its colours and its track.

    Args:
        shape (str): A key of :data:`SHAPES`.
        colour (Tuple[float, float, float]): RGB fill, 0-255.
        marker_colour (Tuple[float, float, float], optional): RGB of the
            marker dot that shows the object's orientation, 0-255; None:
            no marker.
        track (Track): Position, size, orientation and opacity per frame.
        pattern (Pattern, optional): A texture instead of the plain fill.
            Defaults to None.
        outline (float): Draw only an outline this fraction of the radius
            thick (0: filled). Defaults to 0.
    """

    shape: str
    colour: Tuple[float, float, float]
    marker_colour: Optional[Tuple[float, float, float]]
    track: Track
    pattern: Optional[Pattern] = None
    outline: float = 0.0


def family_of(class_index: int) -> str:
    """The family of a class.

    Args:
        class_index (int): A position in :data:`ALL_CLASSES`.

    Returns:
        str: A key of :data:`FAMILIES`.
    """
    _check_class_index(class_index)
    name = ALL_CLASSES[class_index]
    return next(family for family, names in FAMILIES.items()
                if name in names)


def _position_in_family(class_index: int) -> int:
    return FAMILIES[family_of(class_index)].index(ALL_CLASSES[class_index])


def has_twin(class_index: int) -> bool:
    """Whether a class has a time-reversed twin (order and short-term).

    Args:
        class_index (int): A position in :data:`ALL_CLASSES`.

    Returns:
        bool: True for the classes of :data:`REVERSED_PAIR_FAMILIES`.
    """
    return family_of(class_index) in REVERSED_PAIR_FAMILIES


def twin_class(class_index: int) -> int:
    """The index of the time-reversed twin of a class.

    Args:
        class_index (int): A position in :data:`ALL_CLASSES` of an order
            or short-term class.

    Returns:
        int: The twin's index (a forward class comes first in its pair).

    Raises:
        ValueError: An index out of range or a class without a twin.
    """
    if not has_twin(class_index):
        raise ValueError(f'{ALL_CLASSES[class_index]} has no time-reversed '
                         'twin')
    return class_index + (1 if _position_in_family(class_index) % 2 == 0
                          else -1)


def is_forward_class(class_index: int) -> bool:
    """Whether a class is rendered directly (a twin is reversed from it).

    Args:
        class_index (int): A position in :data:`ALL_CLASSES`.

    Returns:
        bool: False only for the second class of a time-reversed pair.
    """
    return not has_twin(class_index) or _position_in_family(
        class_index) % 2 == 0


def _check_class_index(class_index: int) -> None:
    if not 0 <= class_index < len(ALL_CLASSES):
        raise ValueError(f'class_index must be in [0, {len(ALL_CLASSES)}), '
                         f'got {class_index}')


def check_families(families: Sequence[str]) -> Tuple[str, ...]:
    """Validate family names and put them in :data:`FAMILIES` order.

    Args:
        families (Sequence[str]): Names of :data:`FAMILIES`.

    Returns:
        Tuple[str, ...]: The families, each once, in canonical order.

    Raises:
        ValueError: No family, or an unknown one.
    """
    unknown = [name for name in families if name not in FAMILIES]
    if unknown or not families:
        raise ValueError(f'unknown or no motion families {list(families)}: '
                         f'choose from {", ".join(FAMILIES)}')
    return tuple(name for name in FAMILIES if name in families)


def family_classes(
        families: Sequence[str] = DEFAULT_FAMILIES) -> Dict[str, List[str]]:
    """The classes of a set made of some families (the ``families.json``
    content).

    Args:
        families (Sequence[str]): Names of :data:`FAMILIES`. Defaults to
            :data:`DEFAULT_FAMILIES`.

    Returns:
        Dict[str, List[str]]: Family -> its class names; concatenated in
        this order they are the set's classes (label = position).
    """
    return {name: list(FAMILIES[name]) for name in check_families(families)}


def read_families(data_dir: Union[str, Path]
                  ) -> Optional[Dict[str, List[str]]]:
    """The family map of a set, if it has a valid ``families.json``.

    Args:
        data_dir (str | Path): Dataset directory.

    Returns:
        Dict[str, List[str]] | None: Family -> class names, or None when the
        file is missing or not such a map.
    """
    try:
        families = json.loads((Path(data_dir) / FAMILIES_FILE).read_text())
    except (OSError, ValueError):
        return None
    valid = isinstance(families, dict) and all(
        isinstance(names, list) and all(isinstance(n, str) for n in names)
        for names in families.values())
    return families if valid else None


def _random_colour(rng: np.random.Generator, saturation: Tuple[float, float],
                   value: Tuple[float, float]) -> Tuple[float, float, float]:
    rgb = colorsys.hsv_to_rgb(rng.uniform(), rng.uniform(*saturation),
                              rng.uniform(*value))
    return tuple(255.0 * c for c in rgb)


def _object_colour(rng: np.random.Generator) -> Tuple[float, float, float]:
    # bright, fairly saturated: stands out from the darker backgrounds
    return _random_colour(rng, (0.45, 1.0), (0.75, 1.0))


def _background_colour(rng: np.random.Generator) -> Tuple[float, float, float]:
    return _random_colour(rng, (0.15, 0.8), (0.08, 0.5))


def _marker_colour(colour: Tuple[float, float, float]
                   ) -> Tuple[float, float, float]:
    return tuple(0.25 * c for c in colour)


def render_background(rng: np.random.Generator, size: int) -> np.ndarray:
    """A random static background: gradient, stripes or soft blobs.

    Args:
        rng (np.random.Generator): Source of randomness.
        size (int): Frame height and width in pixels.

    Returns:
        np.ndarray: (size, size, 3) float32 RGB, 0-255.
    """
    kind = rng.integers(3)
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32) / size
    first = np.array(_background_colour(rng), dtype=np.float32)
    second = np.array(_background_colour(rng), dtype=np.float32)
    direction = rng.uniform(0, 2 * np.pi)
    along = xs * math.cos(direction) + ys * math.sin(direction)
    if kind == 0:  # linear gradient
        weight = (along - along.min()) / max(float(np.ptp(along)), 1e-6)
    elif kind == 1:  # sinusoidal stripes, 1.5-5 periods across the frame
        cycles = rng.uniform(1.5, 5.0)
        weight = 0.5 + 0.5 * np.sin(2 * np.pi * cycles * along +
                                    rng.uniform(0, 2 * np.pi))
    else:  # blobs of the second colour on the first
        weight = np.zeros_like(xs)
        for _ in range(rng.integers(3, 7)):
            centre_x, centre_y = rng.uniform(0, 1, size=2)
            sigma = rng.uniform(0.08, 0.25)
            weight += np.exp(-((xs - centre_x)**2 + (ys - centre_y)**2) /
                             (2 * sigma**2))
        weight = np.minimum(weight, 1.0)
    return first + (second - first) * weight[..., None]


def _start_inside(rng: np.random.Generator, size: int,
                  margin: Union[float, np.ndarray],
                  displacement: np.ndarray) -> np.ndarray:
    """A start so that start and start + displacement keep off the edges."""
    low = margin - np.minimum(displacement, 0)
    high = size - margin - np.maximum(displacement, 0)
    high = np.maximum(high, low)  # too long a path: centre it
    return rng.uniform(low, high)


def _small_drift(rng: np.random.Generator, size: int) -> np.ndarray:
    """A total displacement of up to 6% of the frame, any direction."""
    direction = rng.uniform(0, 2 * np.pi)
    length = rng.uniform(0, 0.06) * size
    return length * np.array([math.cos(direction), math.sin(direction)])


def _straight_path(start: np.ndarray, displacement: np.ndarray,
                   num_frames: int) -> np.ndarray:
    progress = np.linspace(0.0, 1.0, num_frames)[:, None]
    return start[None] + progress * displacement[None]


def sample_main_track(class_index: int, num_frames: int, size: int,
                      rng: np.random.Generator) -> Track:
    """The main object's track for a forward class of the order family.

    Motion per class (``size`` = frame size, ``T`` = frames): moving right:
    45-70% of the frame in T-1 steps (about 0.7-2 px per frame at 64 px)
    with a small sideways drift; growing: radius times 2.2-3 (geometric);
    appearing: opacity from 0-0.1 up to 1. The non-translating classes drift
    by up to 6% of the frame.

    Args:
        class_index (int): A forward class of the order family.
        num_frames (int): Frames T.
        size (int): Frame height and width in pixels.
        rng (np.random.Generator): Source of randomness.

    Returns:
        Track: The main object's track.
    """
    if not is_forward_class(class_index):
        raise ValueError(f'{ALL_CLASSES[class_index]} is a reversed twin: '
                         f'sample {ALL_CLASSES[twin_class(class_index)]} '
                         'and reverse')
    name = ALL_CLASSES[class_index]
    radius = rng.uniform(0.09, 0.15) * size
    radii = np.full(num_frames, radius)
    angles = np.full(num_frames, rng.uniform(0, 2 * np.pi))
    opacities = np.ones(num_frames)
    if name == 'moving_right':
        travel = min(rng.uniform(0.45, 0.7) * size, size - 1.2 * radius)
        sideways = rng.uniform(-0.12, 0.12) * travel
        displacement = np.array([travel, sideways])
        # may leave the frame by 40% along the way, never sideways
        margin = np.array([0.6, 1.0]) * radius
    elif name == 'growing':
        first_radius = rng.uniform(0.05, 0.08) * size
        radii = first_radius * rng.uniform(2.2, 3.0)**np.linspace(
            0.0, 1.0, num_frames)
        displacement = _small_drift(rng, size)
        margin = 0.8 * radii[-1]
    elif name == 'appearing':
        opacities = np.linspace(rng.uniform(0.0, 0.1), 1.0, num_frames)
        displacement = _small_drift(rng, size)
        margin = radius
    else:
        raise ValueError(f'{name} is not a forward class of the order '
                         'family')
    start = _start_inside(rng, size, margin, displacement)
    centres = _straight_path(start, displacement, num_frames)
    return Track(centres, radii, angles, opacities)


# cycles per frame of the short-term motions: the per-video rate and the
# per-frame jitter (see fast_phases)
FAST_RATE_RANGE = (0.12, 0.40)
FAST_RATE_JITTER = 0.05


def fast_phases(num_frames: int, rng: np.random.Generator,
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


def _wandering_track(rng: np.random.Generator, size: int, num_frames: int,
                     radius: float, angles: np.ndarray) -> Track:
    """A still-standing object that drifts by up to 6% of the frame."""
    displacement = _small_drift(rng, size)
    start = _start_inside(rng, size, radius, displacement)
    return Track(_straight_path(start, displacement, num_frames),
                 np.full(num_frames, radius), angles, np.ones(num_frames))


def sample_main_object(class_index: int, num_frames: int, size: int,
                       rng: np.random.Generator) -> SceneObject:
    """The main object of a forward class (or of an appearance class).

    Order classes: a random shape with a marker dot on
    :func:`sample_main_track`. Short-term classes, each on a slow drift of
    up to 6% of the frame in a random direction (the same law for both
    classes of a pair, symmetric in time):

    - ``stripes_drifting_right``: a disc of radius 20-28% of the frame
      filled with two-colour sinusoidal stripes (period 14-19% of the frame,
      9-12 px at 64 px, so that mp4 compression and the models' 2x
      downsampling keep them) moving at :func:`fast_phases` towards a
      direction within 25 degrees of +x: 1-5 px per frame. The disc itself
      does not turn, so one frame is a static grating of random phase.
    - ``spinning_clockwise``: a plain shape with k-fold symmetry (triangle,
      square, plus or star; no marker dot) of radius 15-22% of the frame,
      turning by :func:`fast_phases` of 1/k turn: 4-54 degrees per frame,
      and after a whole 1/k turn it looks the same, so its orientation one
      segment later is random.

    Appearance classes: a ring (``ring``) or a checkerboard square
    (``checkerboard``), random colours and size, on a slow drift.

    Args:
        class_index (int): A forward or appearance class.
        num_frames (int): Frames T.
        size (int): Frame height and width in pixels.
        rng (np.random.Generator): Source of randomness.

    Returns:
        SceneObject: The main object.
    """
    name = ALL_CLASSES[class_index]
    if family_of(class_index) == 'order':
        return _random_object(
            rng, sample_main_track(class_index, num_frames, size, rng))
    if not is_forward_class(class_index):
        raise ValueError(f'{name} is a reversed twin: sample '
                         f'{ALL_CLASSES[twin_class(class_index)]} and '
                         'reverse')
    colour = _object_colour(rng)
    still = np.full(num_frames, rng.uniform(0, 2 * np.pi))
    if name == 'stripes_drifting_right':
        radius = rng.uniform(0.20, 0.28) * size
        pattern = Pattern(
            period=rng.uniform(0.14, 0.19) * size,
            direction=np.deg2rad(rng.uniform(-25.0, 25.0)),
            colour=_marker_colour(colour),
            phases=fast_phases(num_frames, rng))
        track = _wandering_track(rng, size, num_frames, radius, still)
        return SceneObject('circle', colour, None, track, pattern)
    if name == 'spinning_clockwise':
        shape = sorted(SPINNER_SYMMETRY)[rng.integers(len(SPINNER_SYMMETRY))]
        radius = rng.uniform(0.15, 0.22) * size
        angles = still + 2 * np.pi / SPINNER_SYMMETRY[shape] * fast_phases(
            num_frames, rng)
        track = _wandering_track(rng, size, num_frames, radius, angles)
        return SceneObject(shape, colour, None, track)
    if name == 'ring':
        radius = rng.uniform(0.12, 0.2) * size
        track = _wandering_track(rng, size, num_frames, radius, still)
        return SceneObject('circle', colour, None, track, outline=0.3)
    if name == 'checkerboard':
        radius = rng.uniform(0.14, 0.2) * size
        pattern = Pattern(
            period=radius * math.sqrt(2) / 2,  # 4 checks along a side
            direction=float(still[0]),
            colour=_marker_colour(colour),
            phases=np.zeros(num_frames),
            checks=True)
        track = _wandering_track(rng, size, num_frames, radius, still)
        return SceneObject('square', colour, None, track, pattern)
    raise ValueError(f'no motion for class {name}')


def _bounce(positions: np.ndarray, low: float, high: float) -> np.ndarray:
    """Fold free motion into [low, high] as if reflected by the walls."""
    span = max(high - low, 1e-6)
    folded = np.mod(positions - low, 2 * span)
    return low + np.where(folded > span, 2 * span - folded, folded)


def sample_distractor_track(num_frames: int, size: int,
                            rng: np.random.Generator) -> Track:
    """A small object bouncing at constant speed; the same for every class.

    Its law is symmetric in time (a reversed bounce is a bounce), so it says
    nothing about the class. Speed 0.3-1.2 px per frame at 64 px, slow spin
    of up to 5 degrees per frame either way.

    Args:
        num_frames (int): Frames T.
        size (int): Frame height and width in pixels.
        rng (np.random.Generator): Source of randomness.

    Returns:
        Track: The distractor's track.
    """
    radius = rng.uniform(0.05, 0.085) * size
    start = rng.uniform(radius, size - radius, size=2)
    direction = rng.uniform(0, 2 * np.pi)
    speed = rng.uniform(0.3, 1.2) * size / 64
    velocity = speed * np.array([math.cos(direction), math.sin(direction)])
    free = start[None] + np.arange(num_frames)[:, None] * velocity[None]
    centres = _bounce(free, radius, size - radius)
    spin = np.deg2rad(rng.uniform(-5.0, 5.0))
    angles = rng.uniform(0, 2 * np.pi) + spin * np.arange(num_frames)
    return Track(centres, np.full(num_frames, radius), angles,
                 np.ones(num_frames))


def _random_object(rng: np.random.Generator, track: Track) -> SceneObject:
    shape = _SHAPE_NAMES[rng.integers(len(_SHAPE_NAMES))]
    colour = _object_colour(rng)
    return SceneObject(shape, colour, _marker_colour(colour), track)


def _to_subpixel(points: np.ndarray) -> np.ndarray:
    return np.round(points * _SUBPIXEL).astype(np.int32)


def _pattern_colours(scene_object: SceneObject, frame_index: int,
                     size: Tuple[int, int]) -> np.ndarray:
    """The object's texture over the whole frame, (H, W, 3) float32."""
    pattern = scene_object.pattern
    centre = scene_object.track.centres[frame_index]
    ys, xs = np.mgrid[0:size[0], 0:size[1]].astype(np.float32)
    xs, ys = xs - centre[0], ys - centre[1]
    cos, sin = math.cos(pattern.direction), math.sin(pattern.direction)
    along = (xs * cos + ys * sin) / pattern.period
    if pattern.checks:
        across = (ys * cos - xs * sin) / pattern.period
        weight = (np.sin(2 * np.pi * along) * np.sin(2 * np.pi * across)
                  > 0).astype(np.float32)
    else:
        phase = float(pattern.phases[frame_index])
        weight = 0.5 + 0.5 * np.sin(2 * np.pi * (along - phase))
    first = np.array(scene_object.colour, dtype=np.float32)
    second = np.array(pattern.colour, dtype=np.float32)
    return first + (second - first) * weight[..., None]


def draw_object(frame: np.ndarray, scene_object: SceneObject,
                frame_index: int) -> None:
    """Draw an object as it is in one frame, in place (anti-aliased).

    Args:
        frame (np.ndarray): (H, W, 3) uint8 RGB, drawn on.
        scene_object (SceneObject): What to draw.
        frame_index (int): Which frame of the object's track.
    """
    track = scene_object.track
    opacity = float(track.opacities[frame_index])
    if opacity <= 0:
        return
    centre = track.centres[frame_index]
    radius = float(track.radii[frame_index])
    angle = float(track.angles[frame_index])
    cos, sin = math.cos(angle), math.sin(angle)
    rotation = np.array([[cos, -sin], [sin, cos]])
    outline = _to_subpixel(centre +
                           radius * SHAPES[scene_object.shape] @ rotation.T)
    if scene_object.pattern is not None:
        coverage = np.zeros(frame.shape[:2], dtype=np.uint8)
        cv2.fillPoly(coverage, [outline], 255, lineType=cv2.LINE_AA,
                     shift=_SUBPIXEL_BITS)
        alpha = (opacity / 255.0) * coverage.astype(np.float32)[..., None]
        texture = _pattern_colours(scene_object, frame_index, frame.shape)
        blended = frame * (1 - alpha) + texture * alpha
        frame[...] = np.clip(np.round(blended), 0, 255).astype(np.uint8)
        return
    canvas = frame if opacity >= 1 else frame.copy()
    if scene_object.outline > 0:
        cv2.polylines(canvas, [outline], True, scene_object.colour,
                      thickness=max(1, round(scene_object.outline * radius)),
                      lineType=cv2.LINE_AA, shift=_SUBPIXEL_BITS)
    else:
        cv2.fillPoly(canvas, [outline], scene_object.colour,
                     lineType=cv2.LINE_AA, shift=_SUBPIXEL_BITS)
    if scene_object.marker_colour is not None:
        marker = centre + 0.5 * radius * np.array([cos, sin])
        cv2.circle(canvas, tuple(int(v) for v in _to_subpixel(marker)),
                   int(round(0.22 * radius * _SUBPIXEL)),
                   scene_object.marker_colour, thickness=-1,
                   lineType=cv2.LINE_AA, shift=_SUBPIXEL_BITS)
    if canvas is not frame:
        cv2.addWeighted(canvas, opacity, frame, 1 - opacity, 0, dst=frame)


def _check_num_frames_range(num_frames_range: Sequence[int]) -> None:
    low, high = num_frames_range
    if not 2 <= low <= high:
        raise ValueError('num_frames_range must be (low, high) with '
                         f'2 <= low <= high, got {tuple(num_frames_range)}')


def _check_size(size: int) -> None:
    if size < 16 or size % 2:
        raise ValueError(f'size must be even and >= 16 (mp4v needs even '
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
    _check_class_index(class_index)
    _check_size(size)
    _check_num_frames_range(num_frames_range)
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
        _random_object(rng, sample_distractor_track(num_frames, size, rng))
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
        [seed, _SPLITS.index(split), class_index, index_in_class])


def write_video(path: Union[str, Path], frames: np.ndarray,
                fps: float = FPS) -> None:
    """Write RGB frames as an mp4v video with OpenCV.

    Args:
        path (str | Path): Output ``.mp4`` file.
        frames (np.ndarray): (T, H, W, 3) uint8 RGB.
        fps (float): Frames per second. Defaults to 12.

    Raises:
        RuntimeError: OpenCV could not open the file for writing.
    """
    height, width = frames.shape[1:3]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'), fps,
                             (width, height))
    if not writer.isOpened():
        raise RuntimeError(f'cannot open {path} for writing (OpenCV mp4v)')
    try:
        for frame in frames:
            writer.write(np.ascontiguousarray(frame[..., ::-1]))
    finally:
        writer.release()


def count_decoded_frames(path: Union[str, Path]) -> int:
    """The number of frames decord reads from a video.

    Args:
        path (str | Path): Video file.

    Returns:
        int: Frame count.
    """
    import decord
    return len(decord.VideoReader(str(path)))


@dataclass
class _Sample:
    split: str
    class_index: int  # in ALL_CLASSES
    label: int  # in the set's classes
    index_in_class: int
    filename: str


def _plan_samples(videos_per_class: int, val_per_class: int,
                  classes: Sequence[str]) -> List[_Sample]:
    """Train then val, classes interleaved, numbered 000000.mp4 on."""
    samples = []
    for split, per_class in zip(_SPLITS, (videos_per_class, val_per_class)):
        for index_in_class in range(per_class):
            for label, name in enumerate(classes):
                samples.append(
                    _Sample(split, ALL_CLASSES.index(name), label,
                            index_in_class, f'{len(samples):06d}.mp4'))
    return samples


def _parameters(videos_per_class: int, val_per_class: int, seed: int,
                size: int, num_frames_range: Sequence[int], fps: float,
                families: Dict[str, List[str]]) -> dict:
    return {
        'generator_version': GENERATOR_VERSION,
        'families': families,
        'classes': [name for names in families.values() for name in names],
        'videos_per_class': videos_per_class,
        'val_per_class': val_per_class,
        'seed': seed,
        'size': size,
        'num_frames_range': list(num_frames_range),
        'fps': fps,
    }


def _read_list(path: Path) -> List[str]:
    return [line.split()[0] for line in path.read_text().splitlines()
            if line.strip()]


def is_complete(out_dir: Union[str, Path], parameters: dict) -> bool:
    """Whether ``out_dir`` holds a finished set made with these parameters.

    Args:
        out_dir (str | Path): Dataset directory.
        parameters (dict): The parameters recorded in ``toy_motion.json``.

    Returns:
        bool: True if the record matches and every listed video exists.
    """
    out_dir = Path(out_dir)
    try:
        recorded = json.loads((out_dir / META_FILE).read_text())
        if recorded.get('parameters') != parameters:
            return False
        names = [name for split in _SPLITS
                 for name in _read_list(out_dir / f'{split}.txt')]
    except (OSError, ValueError, AttributeError, IndexError):
        return False
    return all((out_dir / 'videos' / name).is_file() for name in names)


def stale_toy_motion(out_dir: Union[str, Path]) -> bool:
    """Whether ``out_dir`` holds a toy motion set made by an older version
    of this generator (other classes, no ``families.json``).

    Args:
        out_dir (str | Path): Dataset directory.

    Returns:
        bool: False for a current toy set and for any other data.
    """
    try:
        recorded = json.loads((Path(out_dir) / META_FILE).read_text())
        version = recorded['parameters']['generator_version']
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return version != GENERATOR_VERSION


def _progress(total: int, enabled: bool):
    from tqdm import tqdm
    return tqdm(total=total, desc='toy motion videos', unit='video',
                disable=not enabled, dynamic_ncols=True)


def _remove_stale_videos(video_dir: Path, keep: set) -> None:
    for path in video_dir.iterdir():
        if _VIDEO_NAME.match(path.name) and path.name not in keep:
            path.unlink()


def _write_lists(out_dir: Path, samples: List[_Sample]) -> None:
    for split in _SPLITS:
        lines = [f'{s.filename} {s.label}\n' for s in samples
                 if s.split == split]
        (out_dir / f'{split}.txt').write_text(''.join(lines))


def _summary(out_dir: Path, parameters: dict, skipped: bool) -> dict:
    num_classes = len(parameters['classes'])
    return {
        'out_dir': str(out_dir),
        'classes': list(parameters['classes']),
        'families': dict(parameters['families']),
        'num_train': parameters['videos_per_class'] * num_classes,
        'num_val': parameters['val_per_class'] * num_classes,
        'videos_per_class': parameters['videos_per_class'],
        'val_per_class': parameters['val_per_class'],
        'seed': parameters['seed'],
        'size': parameters['size'],
        'skipped': skipped,
    }


def make_toy_motion(
    out_dir: Union[str, Path],
    videos_per_class: int = DEFAULT_VIDEOS_PER_CLASS,
    val_per_class: int = DEFAULT_VAL_PER_CLASS,
    seed: int = 0,
    size: int = DEFAULT_SIZE,
    num_frames_range: Sequence[int] = DEFAULT_NUM_FRAMES_RANGE,
    fps: float = FPS,
    force: bool = False,
    verify: bool = True,
    progress: bool = True,
    families: Sequence[str] = DEFAULT_FAMILIES,
) -> dict:
    """Generate the toy motion dataset in ``out_dir``.

    Writes ``videos/NNNNNN.mp4``, ``train.txt``, ``val.txt`` (MMAction2
    VideoDataset lists, ``<file relative to videos/> <label>``),
    ``classes.txt``, ``families.json`` (family -> class names, in
    ``classes.txt`` order) and, last, ``toy_motion.json`` with the
    parameters. The
    content (frames and lists) depends only on the parameters. If the
    directory already holds a complete set with the same parameters, nothing
    is written unless ``force``.

    Args:
        out_dir (str | Path): Dataset directory, created if missing.
        videos_per_class (int): Training videos per class. Defaults to 60.
        val_per_class (int): Validation videos per class. Defaults to 20.
        seed (int): Seed (>= 0). Defaults to 0.
        size (int): Frame height and width in pixels (even, >= 16).
            Defaults to 64.
        num_frames_range (Sequence[int]): Inclusive range of the random
            video length in frames. Defaults to (24, 40).
        fps (float): Frame rate written in the videos. Defaults to 12.
        force (bool): Regenerate even if a complete set is there.
            Defaults to False.
        verify (bool): Check that decord reads back every video with the
            right number of frames. Defaults to True.
        progress (bool): Show a progress bar. Defaults to True.
        families (Sequence[str]): Motion families (keys of
            :data:`FAMILIES`) whose classes the set holds, in
            :data:`FAMILIES` order whatever the order given. Defaults to
            ``('order', 'short-term')``.

    Returns:
        dict: ``out_dir``, ``classes``, ``families``, ``num_train``,
        ``num_val``,
        ``videos_per_class``, ``val_per_class``, ``seed``, ``size`` and
        ``skipped`` (True if an existing set was kept).

    Raises:
        ValueError: Invalid parameters.
        OSError: The directory or a file cannot be written.
        RuntimeError: A video could not be written or read back.
    """
    if videos_per_class < 1 or val_per_class < 0:
        raise ValueError('videos_per_class must be >= 1 and val_per_class '
                         f'>= 0, got {videos_per_class}, {val_per_class}')
    if seed < 0:
        raise ValueError(f'seed must be >= 0, got {seed}')
    _check_size(size)
    _check_num_frames_range(num_frames_range)
    out_dir = Path(out_dir)
    family_map = family_classes(families)
    parameters = _parameters(videos_per_class, val_per_class, seed, size,
                             list(num_frames_range), fps, family_map)
    if not force and is_complete(out_dir, parameters):
        return _summary(out_dir, parameters, skipped=True)

    video_dir = out_dir / 'videos'
    video_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / META_FILE).unlink(missing_ok=True)  # incomplete until the end
    classes = parameters['classes']
    (out_dir / 'classes.txt').write_text(''.join(f'{name}\n'
                                                 for name in classes))
    (out_dir / FAMILIES_FILE).write_text(
        json.dumps(family_map, indent=2) + '\n')
    samples = _plan_samples(videos_per_class, val_per_class, classes)
    with _progress(len(samples), progress) as bar:
        for sample in samples:
            rng = sample_rng(seed, sample.split, sample.class_index,
                             sample.index_in_class)
            frames = render_video(sample.class_index, rng, size,
                                  num_frames_range)
            path = video_dir / sample.filename
            write_video(path, frames, fps)
            if verify and count_decoded_frames(path) != len(frames):
                raise RuntimeError(
                    f'decord reads {count_decoded_frames(path)} frames '
                    f'from {path}, {len(frames)} were written')
            bar.update()
    _write_lists(out_dir, samples)
    _remove_stale_videos(video_dir, {s.filename for s in samples})
    record = {'parameters': parameters, 'num_videos': len(samples)}
    (out_dir / META_FILE).write_text(json.dumps(record, indent=2) + '\n')
    return _summary(out_dir, parameters, skipped=False)


def read_video_list(path: Union[str, Path]) -> List[Tuple[str, int]]:
    """Parse a VideoDataset list file.

    Args:
        path (str | Path): ``train.txt`` or ``val.txt``.

    Returns:
        List[Tuple[str, int]]: (file name relative to videos/, label) pairs.
    """
    entries = []
    for line in Path(path).read_text().splitlines():
        if line.strip():
            filename, label = line.split()
            entries.append((filename, int(label)))
    return entries


def load_frames(path: Union[str, Path],
                max_frames: Optional[int] = None) -> np.ndarray:
    """Decode a video with decord.

    Args:
        path (str | Path): Video file.
        max_frames (int, optional): Read at most this many frames.
            Defaults to None (all).

    Returns:
        np.ndarray: (T, H, W, 3) uint8 RGB.
    """
    import decord
    reader = decord.VideoReader(str(path))
    count = len(reader) if max_frames is None else min(len(reader),
                                                       max_frames)
    return reader.get_batch(list(range(count))).asnumpy()
