"""The data of a comparison: the toy motion set made on demand (``tdn
demo``)."""
from pathlib import Path
from typing import Sequence, Union

from tdn_plugin.utils.video_io import (
    find_families,
    read_class_names,
    read_video_list,
)


def has_data(data_dir: Union[str, Path]) -> bool:
    """Whether ``data_dir`` holds ``train.txt`` and ``val.txt``
    (MMAction2 VideoDataset lists) and their videos under ``videos/``."""
    data_dir = Path(data_dir)
    try:
        entries = [entry for split in ('train', 'val')
                   for entry in read_video_list(data_dir / f'{split}.txt')]
    except (OSError, ValueError):
        return False
    return bool(entries) and all(
        (data_dir / 'videos' / name).is_file() for name, _ in entries)


def ensure_data(data_dir: Union[str, Path], videos_per_class: int,
                val_per_class: int, video_size: int, log=print) -> dict:
    """Use the video set in ``data_dir`` (:func:`has_data`: the layout
    the demo configs read, with, optionally, ``classes.txt`` and
    ``families.json``), or make the toy motion set there (also over a toy
    set made by an older version of the generator).

    Args:
        data_dir (str | Path): The data directory.
        videos_per_class, val_per_class, video_size (int): The set to make:
            train and val videos per class, frame size.
        log (callable): Where the one-line notes go. Defaults to print.

    Returns:
        dict: ``dir``, ``classes`` (names), ``num_train``, ``num_val``,
        ``families`` (name -> class indices, or None).
    """
    from tdn_plugin.datasets.toy_motion import (
        make_toy_motion,
        stale_toy_motion,
    )
    data_dir = Path(data_dir)
    if not has_data(data_dir) or stale_toy_motion(data_dir):
        log(f'making the toy motion set in {data_dir}: {videos_per_class} '
            f'train + {val_per_class} val videos per class, '
            f'{video_size}x{video_size}')
        make_toy_motion(data_dir, videos_per_class=videos_per_class,
                        val_per_class=val_per_class, size=video_size)
    train = read_video_list(data_dir / 'train.txt')
    val = read_video_list(data_dir / 'val.txt')
    num_classes = max(label for _, label in train + val) + 1
    classes = [f'class {i}' for i in range(num_classes)]
    if (data_dir / 'classes.txt').is_file():
        names = read_class_names(data_dir / 'classes.txt')
        classes = names if len(names) >= num_classes else classes
    return dict(dir=str(data_dir), classes=classes, num_train=len(train),
                num_val=len(val), families=find_families([data_dir], classes))


def is_toy_motion(classes: Sequence[str]) -> bool:
    """Whether ``classes`` are the toy set's time-reversed pairs."""
    from tdn_plugin.datasets.toy_motion import CLASSES
    return list(classes) == list(CLASSES)

