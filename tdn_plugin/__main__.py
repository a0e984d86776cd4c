"""``python -m tdn_plugin ...``: the ``tdn`` command."""
import sys

from .cli.main import run

sys.exit(run())
