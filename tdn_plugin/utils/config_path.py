"""Finding a config by the names users give: a path, ``configs/...`` from
any directory, ``tdn_plugin::tdn/X.py``, or another OpenMMLab package's
``mmaction::recognition/tsm/X.py``."""
import importlib.util
import os.path as osp
from typing import Optional

from .errors import UserError

SCOPE = 'tdn_plugin'
_PACKAGE_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))


class ConfigNotFoundError(UserError, FileNotFoundError):
    """No config file under the name given."""


def packaged_configs_dir() -> Optional[str]:
    """The configs that come with the package.

    The checkout's ``configs/`` when the package runs from a checkout (an
    editable install or PYTHONPATH: ``setup.py`` next to the package), so
    that edits there always count, even beside an old ``.mim`` copy; else
    ``.mim/configs`` inside the package (a wheel or sdist install). None if
    neither exists.
    """
    checkout = osp.dirname(_PACKAGE_DIR)
    candidates = [osp.join(_PACKAGE_DIR, '.mim', 'configs')]
    if osp.isfile(osp.join(checkout, 'setup.py')):
        candidates.insert(0, osp.join(checkout, 'configs'))
    for folder in candidates:
        if osp.isdir(osp.join(folder, 'tdn')):
            return folder
    return None


def resolve_config(name: str) -> str:
    """The file of a config named ``name``.

    * ``tdn_plugin::tdn/X.py``: ``tdn/X.py`` of the packaged configs;
    * an existing file: itself;
    * ``configs/tdn/X.py`` (or ``tdn/X.py``) not found from the current
      directory: the packaged config of that name;
    * ``mmaction::recognition/tsm/X.py`` (any installed OpenMMLab package
      that ships its configs, as mmengine reads ``_base_`` entries): that
      package's ``.mim/configs/recognition/tsm/X.py``.

    Args:
        name (str): What the user gave.

    Returns:
        str: The config file.

    Raises:
        ConfigNotFoundError: Nothing of that name; the message says where
            it was looked for.
    """
    package, sep, inside = name.partition('::')
    if sep and package != SCOPE:
        return _package_config(package, inside, name)
    scoped = name.startswith(SCOPE + '::')
    relative = name[len(SCOPE) + 2:] if scoped else name
    if not scoped and osp.isfile(name):
        return name
    packaged = packaged_configs_dir()
    if packaged is not None and not osp.isabs(relative):
        if relative.startswith('configs/'):
            relative = relative[len('configs/'):]
        candidate = osp.join(packaged, relative)
        if osp.isfile(candidate):
            return candidate
    where = f' (nor in the packaged configs, {packaged})' if packaged else ''
    raise ConfigNotFoundError(f'config file not found: {name}{where}')


def _package_config(package: str, relative: str, name: str) -> str:
    """``relative`` in the ``.mim/configs`` of the installed ``package``."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise ConfigNotFoundError(
            f'config file not found: {name} (no installed package '
            f'{package!r})')
    configs = osp.join(list(spec.submodule_search_locations)[0], '.mim',
                       'configs')
    candidate = osp.join(configs, relative)
    if not osp.isfile(candidate):
        raise ConfigNotFoundError(
            f'config file not found: {name} (not in {configs})')
    return candidate


def register_config_scope() -> None:
    """Let mmengine resolve ``tdn_plugin::`` in ``_base_`` lists (its
    MODULE2PACKAGE table knows only OpenMMLab packages). Effective for
    configs read after ``import tdn_plugin`` (every ``tdn`` command)."""
    from mmengine.config import utils
    utils.MODULE2PACKAGE.setdefault(SCOPE, SCOPE)
