from .skip_bad_videos import BadVideoError, SkipBadVideos  # noqa: F401
from .transforms import *  # noqa: F401,F403
