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
# The package: classes.py (families, twins), scene.py (shapes, tracks,
# drawing), motions.py (the per-class table of main-object samplers),
# render.py (one video in memory), dataset.py (a set on disk). Videos are
# written and read with tdn_plugin.utils.video_io, re-exported here.
from tdn_plugin.utils.video_io import count_frames as count_decoded_frames
from tdn_plugin.utils.video_io import read_frames as load_frames
from tdn_plugin.utils.video_io import read_video_list, write_video

from .classes import (
    ALL_CLASSES,
    CLASSES,
    DEFAULT_FAMILIES,
    DEFAULT_NUM_FRAMES_RANGE,
    DEFAULT_SIZE,
    DEFAULT_VAL_PER_CLASS,
    DEFAULT_VIDEOS_PER_CLASS,
    FAMILIES,
    FAMILIES_FILE,
    FPS,
    GENERATOR_VERSION,
    META_FILE,
    REVERSED_PAIR_FAMILIES,
    TWINS_DIFFER,
    ToyMotionError,
    check_families,
    family_classes,
    family_of,
    has_twin,
    is_forward_class,
    read_families,
    twin_class,
)
from .dataset import is_complete, make_toy_motion, stale_toy_motion
from .motions import (
    FAST_RATE_JITTER,
    FAST_RATE_RANGE,
    MAIN_OBJECTS,
    ORDER_PATHS,
    fast_phases,
    sample_main_object,
    sample_main_track,
)
from .render import render_forward_sample, render_video, sample_rng
from .scene import (
    SHAPES,
    SPINNER_SYMMETRY,
    Pattern,
    SceneObject,
    Track,
    draw_object,
    render_background,
    sample_distractor_track,
)

__all__ = [
    'ALL_CLASSES', 'CLASSES', 'DEFAULT_FAMILIES', 'DEFAULT_NUM_FRAMES_RANGE',
    'DEFAULT_SIZE', 'DEFAULT_VAL_PER_CLASS', 'DEFAULT_VIDEOS_PER_CLASS',
    'FAMILIES', 'FAMILIES_FILE', 'FAST_RATE_JITTER', 'FAST_RATE_RANGE', 'FPS',
    'GENERATOR_VERSION', 'MAIN_OBJECTS', 'META_FILE', 'ORDER_PATHS',
    'REVERSED_PAIR_FAMILIES', 'SHAPES', 'SPINNER_SYMMETRY', 'TWINS_DIFFER',
    'Pattern', 'SceneObject', 'ToyMotionError', 'Track', 'check_families',
    'count_decoded_frames', 'draw_object', 'family_classes', 'family_of',
    'fast_phases', 'has_twin', 'is_complete', 'is_forward_class',
    'load_frames', 'make_toy_motion', 'read_families', 'read_video_list',
    'render_background', 'render_forward_sample', 'render_video',
    'sample_distractor_track', 'sample_main_object', 'sample_main_track',
    'sample_rng', 'stale_toy_motion', 'twin_class', 'write_video'
]
