"""tdn_plugin: Temporal Difference Networks (TDN) and GTDNet for MMAction2.

``custom_imports = dict(imports=['tdn_plugin'], allow_failed_imports=False)``
in an MMAction2 config registers the plugin's models, transforms, datasets
and hooks into MMAction2's registries: importing the package calls
:func:`register_all_modules`, which first repairs the PyPI stack (see
:mod:`tdn_plugin.compat`).

The ``tdn`` command imports the package with the environment variable
``TDN_PLUGIN_DEFER_REGISTRATION=1`` so that ``tdn --help`` needs neither
torch nor MMAction2; it registers when a subcommand runs.
"""
import os
import sys

from .utils.dependencies import MissingDependencyError
from .version import __version__

__all__ = ['__version__', 'register_all_modules']


def register_all_modules() -> None:
    """Register the plugin's modules into MMAction2's registries (once).

    Raises:
        MissingDependencyError: mmcv is not installed (one line naming what
            to install).
    """
    from .utils.dependencies import require_mmcv
    require_mmcv()
    from . import compat
    compat.apply()
    from . import engine, models  # noqa: F401  registration
    from .datasets import skip_bad_videos, transforms  # noqa: F401
    from .utils.config_path import register_config_scope
    register_config_scope()


def _running_as_main() -> bool:
    """``python -m tdn_plugin``: the package is imported while its module
    is looked for, when ``sys.argv[0]`` is still ``'-m'``."""
    return sys.argv[:1] == ['-m']


if not os.environ.get('TDN_PLUGIN_DEFER_REGISTRATION'):
    try:
        register_all_modules()
    except MissingDependencyError:
        # without mmcv, `python -m tdn_plugin` still gives its help and,
        # for a command, the one line naming what to install
        if not _running_as_main():
            raise
