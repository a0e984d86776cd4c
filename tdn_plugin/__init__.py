"""tdn_plugin: Temporal Difference Networks (TDN) and GTDNet for MMAction2.

``custom_imports = dict(imports=['tdn_plugin'], allow_failed_imports=False)``
in an MMAction2 config registers the plugin's models and transforms into
MMAction2's registries. Importing the package first repairs the PyPI stack
(see :mod:`tdn_plugin.compat`).
"""
from . import compat

compat.apply()

from . import datasets, engine, models  # noqa: E402,F401
from .version import __version__  # noqa: E402

__all__ = ['__version__']
