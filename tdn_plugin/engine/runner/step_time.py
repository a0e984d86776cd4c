"""One training step of a config's model, timed before its run: what
``tdn compare`` estimates the runs it has not started yet from."""
import copy
import math
import time
from typing import NamedTuple

import torch
from mmengine.config import Config


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


def pilot_step(cfg: Config, rounds: int = 3, samples: int = 4,
               long_s: float = 5.0) -> PilotStep:
    """Time a training step of ``cfg``'s model (built anew, no weights
    loaded) on ``samples`` videos of its own train list through its train
    pipeline: their loading plus the fastest of ``rounds`` forward and
    backward passes (fewer where one took over ``long_s``), scaled to the
    config's batch size.

    Args:
        cfg (Config): A prepared config (data, batch size, epochs set).
        rounds (int): Passes timed. Defaults to 3.
        samples (int): Videos in the timed batch (at most the config's
            batch size). Defaults to 4.
        long_s (float): One pass longer than this is enough. Defaults
            to 5.

    Returns:
        PilotStep: Seconds per step of the config's batch size and the
        steps of its training.
    """
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
    passes = []
    for _ in range(rounds):
        start = time.perf_counter()
        losses = model(**model.data_preprocessor(data, True), mode='loss')
        torch.stack([value.sum() for key, value in losses.items()
                     if 'loss' in key]).sum().backward()
        model.zero_grad(set_to_none=True)
        passes.append(time.perf_counter() - start)
        if passes[-1] > long_s:
            break
    return PilotStep((load_s + min(passes)) * batch / samples,
                     training_steps(cfg, len(dataset)))
