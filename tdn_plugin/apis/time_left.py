"""How long the runs of a comparison have left: the model being trained
from its own measured step times, the models not started from one timed
step each (:func:`tdn_plugin.engine.runner.pilot_steps`), scaled by how
the finished runs took against their timed step."""
from dataclasses import dataclass, field
from typing import Dict, Optional

from tdn_plugin.engine.hooks import StepTimerHook
from tdn_plugin.engine.runner import PilotStep


@dataclass
class TimeLeft:
    """The time estimate of a comparison's runs.

    Args:
        pilots (dict): Name -> :class:`PilotStep` (None where it could not
            be timed) of every run, in run order.
        finished_s (dict): Name -> seconds of each finished run (training
            and testing).
    """

    pilots: Dict[str, Optional[PilotStep]]
    finished_s: Dict[str, float] = field(default_factory=dict)

    def finish(self, name: str, seconds: float) -> None:
        """A run ended after ``seconds``."""
        self.finished_s[name] = seconds

    def drop(self, name: str) -> None:
        """A run that failed: nothing left of it."""
        self.pilots.pop(name, None)

    def _scale(self, current: Optional[str],
               timer: Optional[StepTimerHook]) -> Optional[float]:
        """Measured time over piloted time: of the finished runs with a
        pilot, else of the current run's steps so far."""
        ratios = [self.finished_s[name] / (pilot.seconds * pilot.steps)
                  for name, pilot in self.pilots.items()
                  if pilot and name in self.finished_s]
        if ratios:
            return sum(ratios) / len(ratios)
        pilot = self.pilots.get(current)
        if pilot and timer is not None and timer.step_s:
            return timer.mean_step_s() / pilot.seconds
        return None

    def seconds_left(self, current: Optional[str] = None,
                     timer: Optional[StepTimerHook] = None
                     ) -> Optional[float]:
        """Seconds the unfinished runs have left; None where nothing has
        been measured yet.

        Args:
            current (str, optional): The run under way, if any.
            timer (StepTimerHook, optional): Its step timer.
        """
        scale = self._scale(current, timer)
        mean_s = (sum(self.finished_s.values()) / len(self.finished_s)
                  if self.finished_s else None)
        left = 0.0
        for name, pilot in self.pilots.items():
            if name in self.finished_s:
                continue
            if name == current and timer is not None and timer.step_s:
                left += timer.seconds_left()
            elif pilot and scale is not None:
                left += pilot.seconds * pilot.steps * scale
            elif mean_s is not None:
                left += mean_s
            else:
                return None
        return left
