"""The data of a comparison: the toy motion set made on demand (``tdn
demo``), class families (``families.json``), and one clip through a
config's test pipeline."""
import copy
import json
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Union

# the file name the toy generator writes, read here for any data set
from tdn_plugin.datasets.toy_motion import FAMILIES_FILE
from tdn_plugin.utils.errors import UserError
from tdn_plugin.utils.video_io import read_class_names, read_video_list


class DataError(UserError, ValueError):
    """Data that cannot be used as asked (e.g. a bad families file)."""


def has_data(data_dir: Union[str, Path]) -> bool:
    """Whether ``data_dir`` holds train.txt, val.txt and their videos."""
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
    """Use the video set in ``data_dir``, or make the toy motion set there
    (also over a toy set made by an older version of the generator).

    Any other set in the layout the demo configs read is used as it is:
    ``videos/``, ``train.txt`` and ``val.txt`` (MMAction2 VideoDataset
    lists) and, optionally, ``classes.txt`` and ``families.json``.

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


def load_families(path: Union[str, Path],
                  classes: Sequence[str]) -> Dict[str, List[int]]:
    """Read a ``families.json`` ({family: [class name, ...]}) as family ->
    class indices of ``classes``.

    Raises:
        DataError: Not such a file, or a class name not in ``classes``.
    """
    try:
        raw = json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        raise DataError(f'cannot read the families file {path}: {error}')
    if not isinstance(raw, dict) or not all(
            isinstance(v, list) for v in raw.values()):
        raise DataError(f'{path}: expected {{"family": ["class", ...]}}')
    index = {name: i for i, name in enumerate(classes)}
    for family, names in raw.items():
        unknown = [n for n in names if n not in index]
        if unknown:
            raise DataError(f'{path}: family {family!r} names classes not in '
                            f'the class list: {", ".join(map(str, unknown))}')
    return {family: [index[n] for n in names]
            for family, names in raw.items()}


def find_families(
        directories: Sequence[Union[str, Path]],
        classes: Sequence[str]) -> Optional[Dict[str, List[int]]]:
    """The first ``families.json`` in ``directories``, read with
    :func:`load_families`; None where there is none."""
    for directory in directories:
        path = Path(directory) / FAMILIES_FILE
        if path.is_file():
            return load_families(path, classes)
    return None


def one_clip(cfg, index: int = 0) -> dict:
    """Video ``index`` of the test list through the test pipeline, collated
    as a batch of 1 (``inputs``, ``data_samples``)."""
    from mmaction.registry import DATASETS
    from mmengine.dataset import pseudo_collate
    dataset = DATASETS.build(copy.deepcopy(cfg.test_dataloader.dataset))
    return pseudo_collate([dataset[index]])
