"""Entry point of the ``tdn`` command.

It lives outside the package so that it can import ``tdn_plugin`` without
the registration (torch, MMAction2: seconds) that ``import tdn_plugin``
does for configs: ``tdn --help`` and ``tdn --version`` stay instant and work
without mmcv. Subcommands register when they run.
"""
import os
import sys


def main() -> int:
    """Run ``tdn`` with ``sys.argv``."""
    os.environ['TDN_PLUGIN_DEFER_REGISTRATION'] = '1'
    try:
        from tdn_plugin.cli.main import run
    finally:
        # not inherited by what the command starts (torchrun, workers)
        del os.environ['TDN_PLUGIN_DEFER_REGISTRATION']
    return run()


if __name__ == '__main__':
    sys.exit(main())
