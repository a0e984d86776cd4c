"""What the plugin needs besides its base install, checked without
importing it (so that ``tdn --help`` stays light)."""
import importlib.util
from typing import Sequence

from .errors import UserError

MMCV_FIX = ("pip install 'tdn_plugin[lite]' (the pure-Python mmcv-lite "
            '2.1.0, enough for every model here) or a full mmcv >=2.0,<2.2')


class MissingDependencyError(UserError, ImportError):
    """A package the plugin needs is not installed."""


def require_mmcv() -> None:
    """Raise :class:`MissingDependencyError`, one line naming the fix, if
    no ``mmcv`` (mmcv-lite or a full mmcv) is installed: MMAction2 imports
    it, and ``pip install tdn_plugin`` leaves the choice to the user, since
    installing mmcv-lite over a full mmcv would overwrite its files."""
    if importlib.util.find_spec('mmcv') is None:
        raise MissingDependencyError(
            f'mmcv is not installed (MMAction2 needs it): {MMCV_FIX}')


def installed(module: str) -> bool:
    """Whether ``module`` can be imported (found, not imported)."""
    return importlib.util.find_spec(module) is not None


def require_extra(modules: Sequence[str], extra: str) -> None:
    """Raise :class:`MissingDependencyError`, one line naming the extra of
    the package that installs them, if any of ``modules`` is missing.

    Args:
        modules (Sequence[str]): What the command imports.
        extra (str): The extra of ``setup.py`` that installs them.
    """
    missing = [module for module in modules if not installed(module)]
    if missing:
        raise MissingDependencyError(
            f"needs the '{extra}' extra ({', '.join(missing)} not "
            f"installed): pip install -e '.[{extra}]'")
