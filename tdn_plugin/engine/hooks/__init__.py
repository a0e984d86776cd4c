from .bad_video_hook import BadVideoHook
from .epoch_seed_hook import EpochSeedHook

__all__ = ['BadVideoHook', 'EpochSeedHook']
