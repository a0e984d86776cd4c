"""Finding a config by the names users give: a path, ``configs/...`` from
any directory, or ``tdn_plugin::tdn/X.py``."""
import os.path as osp
from typing import Optional

SCOPE = 'tdn_plugin'
_PACKAGE_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))


class ConfigNotFoundError(FileNotFoundError):
    """No config file under the name given."""


def packaged_configs_dir() -> Optional[str]:
    """The configs that come with the installed package: ``.mim/configs``
    inside it (a wheel or sdist install), else the checkout's ``configs/``
    (an editable install or PYTHONPATH). None if neither exists."""
    for folder in (osp.join(_PACKAGE_DIR, '.mim', 'configs'),
                   osp.join(osp.dirname(_PACKAGE_DIR), 'configs')):
        if osp.isdir(osp.join(folder, 'tdn')):
            return folder
    return None


def resolve_config(name: str) -> str:
    """The file of a config named ``name``.

    * ``tdn_plugin::tdn/X.py``: ``tdn/X.py`` of the packaged configs;
    * an existing file: itself;
    * ``configs/tdn/X.py`` (or ``tdn/X.py``) not found from the current
      directory: the packaged config of that name.

    Args:
        name (str): What the user gave.

    Returns:
        str: The config file.

    Raises:
        ConfigNotFoundError: Nothing of that name; the message says where
            it was looked for.
    """
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


def register_config_scope() -> None:
    """Let mmengine resolve ``tdn_plugin::`` in ``_base_`` lists (its
    MODULE2PACKAGE table knows only OpenMMLab packages). Effective for
    configs read after ``import tdn_plugin`` (every ``tdn`` command)."""
    from mmengine.config import utils
    utils.MODULE2PACKAGE.setdefault(SCOPE, SCOPE)
