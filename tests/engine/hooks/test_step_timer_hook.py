"""StepTimerHook: each training step's wall time and what is left."""
from types import SimpleNamespace

import pytest

from tdn_plugin.engine.hooks import StepTimerHook


def test_the_time_left_is_the_steps_and_validations_left(monkeypatch):
    clock = iter([0.0,  # before_train
                  5.0, 6.0, 7.0,  # three steps (the first a warm-up)
                  7.0, 9.0])  # one validation of 2 s
    monkeypatch.setattr('time.perf_counter', lambda: next(clock))
    reports = []
    hook = StepTimerHook(reports.append)
    runner = SimpleNamespace(max_iters=12, max_epochs=4, iter=0, epoch=0)
    hook.before_train(runner)
    for i in range(3):
        runner.iter = i
        hook.after_train_iter(runner, i)
    hook.after_train_epoch(runner)
    hook.before_val_epoch(runner)
    hook.after_val_epoch(runner)
    assert hook.step_s == [5.0, 1.0, 1.0]
    assert hook.mean_step_s() == 1.0  # the warm-up left out
    assert reports == [hook] and hook.epochs == 1
    # 9 steps at 1 s, 3 validations at 2 s
    assert hook.seconds_left() == pytest.approx(9 + 3 * 2)
