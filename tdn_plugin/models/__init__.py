from .backbones import *  # noqa: F401,F403
from .common import *  # noqa: F401,F403
from .common import fuse_for_inference  # noqa: F401
from .recognizers import *  # noqa: F401,F403
