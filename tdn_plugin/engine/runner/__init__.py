from .bad_video_runner import BadVideoRunner
from .build import build_runner
from .run import Run, run_config, set_launcher, train_times

__all__ = [
    'BadVideoRunner', 'Run', 'build_runner', 'run_config', 'set_launcher',
    'train_times'
]
