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


def register_all_modules(init_default_scope: bool = False,
                         default_scope: str = 'mmaction') -> None:
    """Register the plugin's modules into MMAction2's registries (once);
    the one registry set-up of every command, API and test.

    ``init_default_scope=True`` also does what MMAction2's tools do before
    they build anything: MMAction2's own modules registered, and
    ``default_scope`` made the current scope (mmengine's
    ``init_default_scope``), so that registries built by name find both.

    Args:
        init_default_scope (bool): Also register MMAction2's modules and
            make ``default_scope`` current. Defaults to False.
        default_scope (str): The scope, e.g. a config's ``default_scope``.
            Defaults to ``'mmaction'``.

    Raises:
        MissingDependencyError: mmcv is not installed (one line naming what
            to install).
    """
    from .utils.dependencies import require_mmcv
    require_mmcv()
    from . import compat
    compat.apply()
    with compat.quiet_mmcv_lite():
        from . import engine, models  # noqa: F401  registration
        from .datasets import skip_bad_videos, transforms  # noqa: F401
        if init_default_scope:
            from mmaction.utils import register_all_modules as register
            register(init_default_scope=False)
    from .utils.config_path import register_config_scope
    register_config_scope()
    if init_default_scope:
        from mmengine.registry import init_default_scope as init_scope
        init_scope(default_scope)


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
