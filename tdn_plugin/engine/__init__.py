from .hooks import *  # noqa: F401,F403
from .runner import BadVideoRunner, build_runner  # noqa: F401
