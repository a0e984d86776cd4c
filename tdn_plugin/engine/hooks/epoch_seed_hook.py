"""Re-seeding every training epoch, so that a resumed run repeats the
uninterrupted one exactly."""
import random

import numpy as np
import torch
from mmaction.registry import HOOKS
from mmengine.dist import get_rank
from mmengine.hooks import Hook


@HOOKS.register_module()
class EpochSeedHook(Hook):
    """Seed python, numpy and torch from ``(seed, epoch)`` before each
    training epoch.

    mmengine checkpoints do not carry random states, and validation draws
    from them between epochs, so a run resumed after epoch k starts epoch
    k+1 from other random numbers than the uninterrupted run (sampling
    offsets, dropout). With this hook both start every epoch from the same
    state. Dataloader workers must not be persistent (they would carry
    their state across epochs). ``tdn train --deterministic`` adds it.
    """

    priority = 'VERY_HIGH'

    def before_train_epoch(self, runner) -> None:
        randomness = runner.cfg.get('randomness') or {}
        seed = runner.seed + 1000003 * runner.epoch
        if randomness.get('diff_rank_seed', False):
            seed += get_rank()
        seed %= 2**32
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)
