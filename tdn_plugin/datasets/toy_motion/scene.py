"""What a toy video is drawn from: shapes, textures, tracks, the
background and the distractors, and how one object is drawn in a frame."""
import colorsys
import math
from dataclasses import dataclass
from typing import Dict, Optional, Tuple, Union

import cv2
import numpy as np

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


def _random_colour(rng: np.random.Generator, saturation: Tuple[float, float],
                   value: Tuple[float, float]) -> Tuple[float, float, float]:
    rgb = colorsys.hsv_to_rgb(rng.uniform(), rng.uniform(*saturation),
                              rng.uniform(*value))
    return tuple(255.0 * c for c in rgb)


def object_colour(rng: np.random.Generator) -> Tuple[float, float, float]:
    # bright, fairly saturated: stands out from the darker backgrounds
    return _random_colour(rng, (0.45, 1.0), (0.75, 1.0))


def _background_colour(rng: np.random.Generator) -> Tuple[float, float, float]:
    return _random_colour(rng, (0.15, 0.8), (0.08, 0.5))


def marker_colour(colour: Tuple[float, float, float]
                   ) -> Tuple[float, float, float]:
    return tuple(0.25 * c for c in colour)


def _gradient(rng: np.random.Generator, xs: np.ndarray, ys: np.ndarray,
              along: np.ndarray) -> np.ndarray:
    """A linear gradient along a random direction."""
    return (along - along.min()) / max(float(np.ptp(along)), 1e-6)


def _stripes(rng: np.random.Generator, xs: np.ndarray, ys: np.ndarray,
             along: np.ndarray) -> np.ndarray:
    """Sinusoidal stripes, 1.5-5 periods across the frame."""
    cycles = rng.uniform(1.5, 5.0)
    return 0.5 + 0.5 * np.sin(2 * np.pi * cycles * along +
                              rng.uniform(0, 2 * np.pi))


def _blobs(rng: np.random.Generator, xs: np.ndarray, ys: np.ndarray,
           along: np.ndarray) -> np.ndarray:
    """3-6 soft blobs of the second colour on the first."""
    weight = np.zeros_like(xs)
    for _ in range(rng.integers(3, 7)):
        centre_x, centre_y = rng.uniform(0, 1, size=2)
        sigma = rng.uniform(0.08, 0.25)
        weight += np.exp(-((xs - centre_x)**2 + (ys - centre_y)**2) /
                         (2 * sigma**2))
    return np.minimum(weight, 1.0)


# background kinds, drawn uniformly: the weight of the second colour
BACKGROUNDS = (_gradient, _stripes, _blobs)


def render_background(rng: np.random.Generator, size: int) -> np.ndarray:
    """A random static background: one of :data:`BACKGROUNDS` blending two
    random dark colours.

    Args:
        rng (np.random.Generator): Source of randomness.
        size (int): Frame height and width in pixels.

    Returns:
        np.ndarray: (size, size, 3) float32 RGB, 0-255.
    """
    kind = BACKGROUNDS[rng.integers(len(BACKGROUNDS))]
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32) / size
    first = np.array(_background_colour(rng), dtype=np.float32)
    second = np.array(_background_colour(rng), dtype=np.float32)
    direction = rng.uniform(0, 2 * np.pi)
    along = xs * math.cos(direction) + ys * math.sin(direction)
    weight = kind(rng, xs, ys, along)
    return first + (second - first) * weight[..., None]


def start_inside(rng: np.random.Generator, size: int,
                  margin: Union[float, np.ndarray],
                  displacement: np.ndarray) -> np.ndarray:
    """A start so that start and start + displacement keep off the edges."""
    low = margin - np.minimum(displacement, 0)
    high = size - margin - np.maximum(displacement, 0)
    high = np.maximum(high, low)  # too long a path: centre it
    return rng.uniform(low, high)


def small_drift(rng: np.random.Generator, size: int) -> np.ndarray:
    """A total displacement of up to 6% of the frame, any direction."""
    direction = rng.uniform(0, 2 * np.pi)
    length = rng.uniform(0, 0.06) * size
    return length * np.array([math.cos(direction), math.sin(direction)])


def straight_path(start: np.ndarray, displacement: np.ndarray,
                   num_frames: int) -> np.ndarray:
    progress = np.linspace(0.0, 1.0, num_frames)[:, None]
    return start[None] + progress * displacement[None]


def wandering_track(rng: np.random.Generator, size: int, num_frames: int,
                     radius: float, angles: np.ndarray) -> Track:
    """A still-standing object that drifts by up to 6% of the frame."""
    displacement = small_drift(rng, size)
    start = start_inside(rng, size, radius, displacement)
    return Track(straight_path(start, displacement, num_frames),
                 np.full(num_frames, radius), angles, np.ones(num_frames))


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


def random_object(rng: np.random.Generator, track: Track) -> SceneObject:
    shape = _SHAPE_NAMES[rng.integers(len(_SHAPE_NAMES))]
    colour = object_colour(rng)
    return SceneObject(shape, colour, marker_colour(colour), track)


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

