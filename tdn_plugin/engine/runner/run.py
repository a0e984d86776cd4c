"""Running a loaded config with its Runner, the one way ``tdn train``,
``tdn test`` and ``tdn compare`` do, and reading back what it logged."""
import gc
import json
import math
import time
from pathlib import Path
from typing import NamedTuple, Optional, Sequence, Tuple, Union

import torch
from mmengine.config import Config
from mmengine.model import is_model_wrapper

from tdn_plugin.utils.checks import load_checkpoint_strictly

from .build import build_runner


class Run(NamedTuple):
    """What :func:`run_config` did: the model, seconds of training (NaN
    when a checkpoint was loaded) and of testing (NaN untested), and the
    test metrics."""

    model: torch.nn.Module
    train_s: float
    test_s: float
    metrics: dict


def set_launcher(cfg: Config, launcher: str) -> None:
    """Launch ``cfg`` with ``launcher`` ('none', 'pytorch', 'slurm',
    'mpi'). A distributed launch where there is no CUDA gets, unasked, gloo
    and DDP over CPU modules (mmengine would pass device_ids=[LOCAL_RANK])."""
    cfg.launcher = launcher
    if launcher == 'none' or torch.cuda.is_available():
        return
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    cfg.env_cfg.dist_cfg.backend = 'gloo'
    if cfg.get('model_wrapper_cfg') is None:
        cfg.model_wrapper_cfg = dict(
            type='MMDistributedDataParallel', device_ids=None,
            broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False))


def run_config(cfg: Config, verbose: bool = False, name: str = '',
               checkpoint: Optional[str] = None, test: bool = True,
               hooks: Sequence = ()) -> Run:
    """Train ``cfg`` with its Runner (:func:`build_runner`), or load
    ``checkpoint`` strictly instead, then test it. With the config's
    ``compile`` the train step (mmengine) and the test step
    (:func:`compile_test_step`) are compiled.

    Args:
        cfg (Config): The config, checked.
        verbose (bool): Show the Runner's environment and config dump.
            Defaults to False.
        name (str): The experiment name. Defaults to '' (the config's).
        checkpoint (str, optional): Test these weights; None trains.
        test (bool): Test after training. Defaults to True.
        hooks (Sequence[Hook]): Hook instances added to the runner.
            Defaults to none.

    Returns:
        Run: The model, the times and the test metrics.
    """
    runner = build_runner(cfg, verbose, name)
    for hook in hooks:
        runner.register_hook(hook)
    start = time.perf_counter()
    if checkpoint is None:
        runner.train()
    else:
        load_checkpoint_strictly(runner, checkpoint)
    trained = time.perf_counter()
    if test and cfg.get('compile'):
        compile_test_step(runner, cfg.compile)
    metrics = runner.test() if test else {}
    model = runner.model.module if is_model_wrapper(runner.model) \
        else runner.model
    run = Run(model, trained - start if checkpoint is None else math.nan,
              time.perf_counter() - trained if test else math.nan,
              {key: float(value) for key, value in metrics.items()})
    del runner  # and its data loader workers
    gc.collect()
    # mmengine leaves the process group open, and gloo threads alive at
    # exit can abort a rank ("terminate called without an active
    # exception"): all ranks meet, then it ends (not after an error, where
    # a barrier could hang)
    if torch.distributed.is_available() and \
            torch.distributed.is_initialized():
        torch.distributed.barrier()
        torch.distributed.destroy_process_group()
    return run


def compile_test_step(runner, compile_cfg: Union[bool, dict]) -> None:
    """``torch.compile`` the model's ``test_step`` with the config's
    ``compile`` options, as mmengine's Runner does its ``train_step`` (and
    only that): a config with ``compile=True`` then tests compiled too.

    Args:
        runner (mmengine.runner.Runner): The runner, before ``test()``.
        compile_cfg (bool | dict): The config's ``compile``: True, or the
            options of ``torch.compile``.
    """
    options = compile_cfg if isinstance(compile_cfg, dict) else {}
    runner.model.test_step = torch.compile(runner.model.test_step,
                                           **options)


def train_times(work_dir: Union[str, Path]) -> Tuple[float, float]:
    """(data_s, compute_s): seconds the last training in ``work_dir``
    waited for data and computed, from mmengine's ``scalars.json`` (each
    logged ``time`` and ``data_time`` is a mean over the iterations since
    the previous log); NaNs without a training log."""
    for path in sorted(Path(work_dir).glob('*/vis_data/scalars.json'),
                       reverse=True):
        data_s = total_s = 0.0
        last_step = 0
        for entry in map(json.loads, path.read_text().splitlines()):
            if 'loss' in entry and 'time' in entry:  # a training iteration
                step = int(entry.get('step', last_step + 1))
                count, last_step = max(step - last_step, 1), step
                data_s += entry.get('data_time', 0.0) * count
                total_s += entry['time'] * count
        if total_s:
            return data_s, total_s - data_s
    return math.nan, math.nan
