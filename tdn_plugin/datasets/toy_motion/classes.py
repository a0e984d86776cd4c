"""The classes of the toy motion set: families of class pairs, each forward
class followed by its time-reversed twin (see the package docstring)."""
import json
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

from tdn_plugin.utils.errors import UserError
from tdn_plugin.utils.video_io import FAMILIES_FILE


class ToyMotionError(UserError, ValueError):
    """Parameters the toy motion generator cannot make a set with."""


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
FPS = 12
DEFAULT_VIDEOS_PER_CLASS = 60
DEFAULT_VAL_PER_CLASS = 20
DEFAULT_SIZE = 64
DEFAULT_NUM_FRAMES_RANGE = (24, 40)
META_FILE = 'toy_motion.json'
SPLITS = ('train', 'val')
# bump when the rendering changes, so that old sets are not reused
GENERATOR_VERSION = 2


def family_of(class_index: int) -> str:
    """The family of a class.

    Args:
        class_index (int): A position in :data:`ALL_CLASSES`.

    Returns:
        str: A key of :data:`FAMILIES`.
    """
    check_class_index(class_index)
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
        raise ToyMotionError(f'{ALL_CLASSES[class_index]} has no '
                             'time-reversed twin')
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


def check_class_index(class_index: int) -> None:
    """Raise :class:`ToyMotionError` unless ``class_index`` is a position
    in :data:`ALL_CLASSES`."""
    if not 0 <= class_index < len(ALL_CLASSES):
        raise ToyMotionError('class_index must be in '
                             f'[0, {len(ALL_CLASSES)}), got {class_index}')


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
        raise ToyMotionError('unknown or no motion families '
                             f'{list(families)}: choose from '
                             f'{", ".join(FAMILIES)}')
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
