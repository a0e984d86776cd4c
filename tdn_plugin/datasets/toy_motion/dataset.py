"""Writing a toy motion set to disk: videos, lists, class names, families
and the record that marks a set complete."""
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Sequence, Union

from tdn_plugin.utils.errors import OutputError
from tdn_plugin.utils.video_io import (
    count_frames,
    read_video_list,
    write_video,
)

from .classes import (
    ALL_CLASSES,
    DEFAULT_FAMILIES,
    DEFAULT_NUM_FRAMES_RANGE,
    DEFAULT_SIZE,
    DEFAULT_VAL_PER_CLASS,
    DEFAULT_VIDEOS_PER_CLASS,
    FAMILIES_FILE,
    FPS,
    GENERATOR_VERSION,
    META_FILE,
    SPLITS,
    ToyMotionError,
    family_classes,
)
from .render import (
    check_num_frames_range,
    check_size,
    render_video,
    sample_rng,
)

_VIDEO_NAME = re.compile(r'^\d{6}\.mp4$')


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
    for split, per_class in zip(SPLITS, (videos_per_class, val_per_class)):
        for index_in_class in range(per_class):
            for label, name in enumerate(classes):
                samples.append(
                    _Sample(split, ALL_CLASSES.index(name), label,
                            index_in_class, f'{len(samples):06d}.mp4'))
    return samples


def _parameters(videos_per_class: int, val_per_class: int, seed: int,
                size: int, num_frames_range: Sequence[int], fps: float,
                families: Dict[str, List[str]]) -> dict:
    """The parameters recorded in ``toy_motion.json``, checked first."""
    _check_parameters(videos_per_class, val_per_class, seed, size,
                      num_frames_range)
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
        names = [name for split in SPLITS
                 for name, _ in read_video_list(out_dir / f'{split}.txt')]
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
    for split in SPLITS:
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


def _check_parameters(videos_per_class: int, val_per_class: int, seed: int,
                      size: int, num_frames_range: Sequence[int]) -> None:
    """Raise :class:`ToyMotionError` naming the first bad parameter."""
    if videos_per_class < 1 or val_per_class < 0:
        raise ToyMotionError('videos_per_class must be >= 1 and '
                             f'val_per_class >= 0, got {videos_per_class}, '
                             f'{val_per_class}')
    if seed < 0:
        raise ToyMotionError(f'seed must be >= 0, got {seed}')
    check_size(size)
    check_num_frames_range(num_frames_range)


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
    VideoDataset lists), ``classes.txt``, ``families.json`` (family ->
    class names) and, last, ``toy_motion.json`` with the parameters. The
    frames and lists depend only on the parameters. A complete set made
    with the same parameters is kept unless ``force``.

    Args:
        out_dir (str | Path): Dataset directory, created if missing.
        videos_per_class (int): Training videos per class. Defaults to 60.
        val_per_class (int): Validation videos per class. Defaults to 20.
        seed (int): Seed (>= 0). Defaults to 0.
        size (int): Frame side in pixels, even, >= 16. Defaults to 64.
        num_frames_range (Sequence[int]): Inclusive range of the random
            length in frames. Defaults to (24, 40).
        fps (float): Frame rate written in the videos. Defaults to 12.
        force (bool): Regenerate a complete set. Defaults to False.
        verify (bool): Check that decord reads every frame back.
            Defaults to True.
        progress (bool): Show a progress bar. Defaults to True.
        families (Sequence[str]): The :data:`FAMILIES` whose classes the
            set holds (in :data:`FAMILIES` order whatever the order given).
            Defaults to ``('order', 'short-term')``.

    Returns:
        dict: ``out_dir``, ``classes``, ``families``, ``num_train``,
        ``num_val``, ``videos_per_class``, ``val_per_class``, ``seed``,
        ``size`` and ``skipped`` (True if an existing set was kept).

    Raises:
        ToyMotionError: Invalid parameters.
        OutputError: The directory or a file cannot be written.
        RuntimeError: decord reads back another number of frames.
    """
    out_dir = Path(out_dir)
    parameters = _parameters(videos_per_class, val_per_class, seed, size,
                             list(num_frames_range), fps,
                             family_classes(families))
    if not force and is_complete(out_dir, parameters):
        return _summary(out_dir, parameters, skipped=True)
    try:
        _write_set(out_dir, parameters, verify, progress)
    except OSError as error:
        raise OutputError(f'cannot write the dataset to {out_dir}: '
                          f'{error}') from error
    return _summary(out_dir, parameters, skipped=False)


def _write_set(out_dir: Path, parameters: dict, verify: bool,
               progress: bool) -> None:
    """Write the videos, then the lists, then the record (last: a set
    without it is incomplete)."""
    video_dir = out_dir / 'videos'
    video_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / META_FILE).unlink(missing_ok=True)  # incomplete until the end
    classes = parameters['classes']
    (out_dir / 'classes.txt').write_text(''.join(f'{name}\n'
                                                 for name in classes))
    (out_dir / FAMILIES_FILE).write_text(
        json.dumps(parameters['families'], indent=2) + '\n')
    samples = _plan_samples(parameters['videos_per_class'],
                            parameters['val_per_class'], classes)
    with _progress(len(samples), progress) as bar:
        for sample in samples:
            rng = sample_rng(parameters['seed'], sample.split,
                             sample.class_index, sample.index_in_class)
            frames = render_video(sample.class_index, rng,
                                  parameters['size'],
                                  parameters['num_frames_range'])
            path = video_dir / sample.filename
            write_video(path, frames, parameters['fps'])
            if verify and count_frames(path) != len(frames):
                raise RuntimeError(
                    f'decord reads {count_frames(path)} frames '
                    f'from {path}, {len(frames)} were written')
            bar.update()
    _write_lists(out_dir, samples)
    _remove_stale_videos(video_dir, {s.filename for s in samples})
    record = {'parameters': parameters, 'num_videos': len(samples)}
    (out_dir / META_FILE).write_text(json.dumps(record, indent=2) + '\n')
