from .bad_video_runner import BadVideoRunner
from .build import build_runner

__all__ = ['BadVideoRunner', 'build_runner']
