from .bad_video_runner import BadVideoRunner
from .build import build_runner
from .run import Run, run_config, set_launcher, train_times
from .step_time import PilotStep, pilot_steps, training_steps

__all__ = [
    'BadVideoRunner', 'PilotStep', 'Run', 'build_runner', 'pilot_steps',
    'run_config', 'set_launcher', 'train_times', 'training_steps'
]
