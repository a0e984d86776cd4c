"""The time estimate of a comparison's runs (TimeLeft)."""
import pytest

from tdn_plugin.apis.time_left import TimeLeft
from tdn_plugin.engine.hooks import StepTimerHook
from tdn_plugin.engine.runner import PilotStep


def timer(step_s, max_iters):
    hook = StepTimerHook()
    hook.step_s, hook.max_iters, hook.iters = step_s, max_iters, len(step_s)
    return hook


def test_runs_not_started_are_scaled_by_how_the_finished_ones_went():
    """A demo of TDN (slow step), TSN and TSM: after TDN, TSN and TSM are
    estimated from their own timed steps, not from TDN's time."""
    estimate = TimeLeft(dict(tdn=PilotStep(0.5, 400),
                             tsn=PilotStep(0.3, 400),
                             tsm=PilotStep(0.35, 400)))
    assert estimate.seconds_left() is None  # nothing measured yet
    # TDN's first steps run 1.2x its pilot step
    during = estimate.seconds_left('tdn', timer([9.0] + [0.6] * 100, 400))
    assert during == pytest.approx(299 * 0.6 + 1.2 * 400 * (0.3 + 0.35))
    estimate.finish('tdn', 240.0)  # 1.2x its pilot's 200 s
    assert estimate.seconds_left() == pytest.approx(1.2 * 400 * 0.65)
    # while TSN trains: its own steps, TSM scaled by TDN's ratio
    assert estimate.seconds_left('tsn', timer([0.4] * 200, 400)) == \
        pytest.approx(200 * 0.4 + 1.2 * 400 * 0.35)


def test_a_run_without_a_pilot_counts_as_a_finished_run_on_average():
    estimate = TimeLeft(dict(a=PilotStep(1.0, 10), b=None, c=PilotStep(
        2.0, 10)))
    estimate.finish('a', 20.0)
    assert estimate.seconds_left() == pytest.approx(20.0 + 2 * 2.0 * 10)
    estimate.drop('c')  # failed
    assert estimate.seconds_left() == pytest.approx(20.0)
