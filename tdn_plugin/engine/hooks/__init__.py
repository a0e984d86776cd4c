from .bad_video_hook import BadVideoHook
from .epoch_seed_hook import EpochSeedHook
from .step_timer_hook import StepTimerHook

__all__ = ['BadVideoHook', 'EpochSeedHook', 'StepTimerHook']
