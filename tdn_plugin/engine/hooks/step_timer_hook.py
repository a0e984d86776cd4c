"""The wall time of each training step of a run, and what its training
has left, measured while it trains (``tdn compare``'s time estimate)."""
import time
from typing import Callable, List, Optional

from mmengine.hooks import Hook


class StepTimerHook(Hook):
    """Times each training step (data loading included) and each
    validation of a run, and calls ``report(self)`` after every training
    epoch.

    Not registered: ``tdn compare`` adds an instance to each runner
    (:func:`tdn_plugin.engine.runner.run_config`'s ``hooks``).

    Args:
        report (Callable, optional): Called with the hook after each
            training epoch. Defaults to None.
    """

    priority = 'LOWEST'

    def __init__(self,
                 report: Optional[Callable[['StepTimerHook'], None]] = None):
        self.report = report
        self.step_s: List[float] = []
        self.val_s: List[float] = []
        self.max_iters = self.iters = self.epochs = self.max_epochs = 0
        self._last = self._val_start = 0.0

    def before_train(self, runner) -> None:
        self.max_iters = runner.max_iters
        self.max_epochs = runner.max_epochs
        self._last = time.perf_counter()

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        now = time.perf_counter()
        self.step_s.append(now - self._last)
        self._last = now
        self.iters = runner.iter + 1

    def after_train_epoch(self, runner) -> None:
        self.epochs = runner.epoch + 1
        if self.report is not None:
            self.report(self)

    def before_val_epoch(self, runner) -> None:
        self._val_start = time.perf_counter()

    def after_val_epoch(self, runner, metrics=None) -> None:
        self._last = time.perf_counter()  # not a step's time
        self.val_s.append(self._last - self._val_start)

    def mean_step_s(self) -> float:
        """Mean seconds per step, the first (warm-up) left out where there
        are others; NaN before the first."""
        steps = self.step_s[1:] or self.step_s
        return sum(steps) / len(steps) if steps else float('nan')

    def seconds_left(self) -> float:
        """The training's remaining steps at the mean step time, plus its
        remaining validations at their mean time (as often as so far)."""
        left = (self.max_iters - self.iters) * self.mean_step_s()
        if self.val_s and self.epochs:
            left += (sum(self.val_s) / self.epochs
                     * (self.max_epochs - self.epochs))
        return left
