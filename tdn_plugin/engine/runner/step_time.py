"""One training step of each config's model, timed before the runs: what
``tdn compare`` estimates the runs it has not started yet from."""
import copy
import math
import time
from typing import Callable, Dict, NamedTuple, Optional, Tuple

import torch
from mmengine.config import Config

from tdn_plugin.utils.timing import time_side_by_side


class PilotStep(NamedTuple):
    """One training step's seconds (loading its batch included) and the
    number of steps the config trains."""

    seconds: float
    steps: int


def training_steps(cfg: Config, samples: int) -> int:
    """Steps of ``cfg``'s training on ``samples`` videos: its epochs times
    the batches of one (``max_iters`` for iteration-based loops)."""
    train_cfg = cfg.train_cfg
    if train_cfg.get('by_epoch', True) is False or 'max_iters' in train_cfg:
        return int(train_cfg.max_iters)
    loader = cfg.train_dataloader
    batches = samples // loader.batch_size if loader.get('drop_last') \
        else math.ceil(samples / loader.batch_size)
    return int(train_cfg.max_epochs) * max(batches, 1)


def _step_task(cfg: Config, samples: int
               ) -> Tuple[Callable[[], None], float, float, int]:
    """A forward and backward pass of ``cfg``'s model (built anew, no
    weights loaded) on ``samples`` videos of its train list through its
    train pipeline; the seconds their loading took, the config's batch
    size over ``samples`` and the steps of its training."""
    from mmaction.registry import DATASETS, MODELS
    from mmengine.dataset import pseudo_collate
    dataset = DATASETS.build(copy.deepcopy(cfg.train_dataloader.dataset))
    batch = cfg.train_dataloader.batch_size
    samples = max(1, min(samples, batch))
    model = MODELS.build(copy.deepcopy(cfg.model)).train()
    start = time.perf_counter()
    data = pseudo_collate([dataset[i % len(dataset)]
                           for i in range(samples)])
    load_s = time.perf_counter() - start

    def step() -> None:
        losses = model(**model.data_preprocessor(data, True), mode='loss')
        torch.stack([value.sum() for key, value in losses.items()
                     if 'loss' in key]).sum().backward()
        model.zero_grad(set_to_none=True)

    return step, load_s, batch / samples, training_steps(cfg, len(dataset))


def pilot_steps(cfgs: Dict[str, Config], rounds: int = 3,
                samples: int = 8) -> Dict[str, Optional[PilotStep]]:
    """Time a training step of each config's model on ``samples`` videos
    of its own train list: their loading plus the median of ``rounds``
    forward and backward passes, the models taking turns in a shuffled
    order each round (:func:`~tdn_plugin.utils.timing.time_side_by_side`,
    so a busy spell of the machine slows them alike), scaled to each
    config's batch size.

    Args:
        cfgs (dict): Name -> a prepared config (data, batch, epochs set).
        rounds (int): Timed passes of each, after one untimed. Defaults
            to 3.
        samples (int): Videos in each timed batch (at most the config's
            batch size). Defaults to 8.

    Returns:
        dict: Name -> :class:`PilotStep` (seconds per step of the config's
        batch size, steps of its training); None for a config whose model
        or data cannot be built or run.
    """
    pilots: Dict[str, Optional[PilotStep]] = dict.fromkeys(cfgs)
    tasks, found = {}, {}
    for name, cfg in cfgs.items():
        try:
            step, load_s, scale, steps = _step_task(cfg, samples)
            step()  # a model that cannot train is left out of the turns
        except Exception:  # noqa: BLE001  its run will say what fails
            continue
        tasks[name], found[name] = step, (load_s, scale, steps)
    for name, timing in time_side_by_side(tasks, rounds, warmup=0).items():
        load_s, scale, steps = found[name]
        pilots[name] = PilotStep((load_s + timing.median_ms / 1000) * scale,
                                 steps)
    return pilots
