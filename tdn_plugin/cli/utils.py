"""Shared by the ``tdn`` subcommands: options, configs, the Runner.

Nothing here imports mmengine, torch or MMAction2 at module level: ``tdn
CMD --help`` must stay instant.
"""
from __future__ import annotations

import argparse
import os.path as osp
from typing import TYPE_CHECKING, List, Optional

if TYPE_CHECKING:
    from mmengine.config import Config


class ConfigOptions(argparse.Action):
    """mmengine's DictAction (KEY=VALUE pairs), imported when used."""

    def __call__(self, parser, namespace, values, option_string=None):
        from mmengine.config import DictAction
        DictAction(self.option_strings, self.dest)(parser, namespace, values,
                                                   option_string)


def add_cfg_options(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument('--cfg-options', nargs='+', action=ConfigOptions,
                        metavar='KEY=VALUE', help=help)


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        'config',
        help='MMAction2 config: a file, configs/tdn/X.py (found in the '
        'installed package when not in the current directory), '
        'tdn_plugin::tdn/X.py or mmaction::recognition/tsm/X.py')
    add_cfg_options(parser, 'override config settings (e.g. model.cls_head.'
                    'num_classes=10 train_dataloader.batch_size=4)')


def add_threads_argument(
        parser: argparse.ArgumentParser,
        help: str = 'PyTorch CPU threads (default: OMP_NUM_THREADS, else all '
        'cores)') -> None:
    parser.add_argument('--threads', type=int, metavar='N', help=help)


def add_overwrite_argument(parser: argparse.ArgumentParser) -> None:
    """``--overwrite``: without it, an output file that exists is refused
    before any work (:func:`tdn_plugin.utils.checks.check_new_file`)."""
    parser.add_argument(
        '--overwrite', action='store_true',
        help='replace output files that exist (default: refused, and an '
        'annotated video whose name is taken gets a numbered name)')


def add_runner_arguments(parser: argparse.ArgumentParser,
                         work_dir_help: str) -> None:
    """The config, ``--work-dir`` and the distributed launch of ``tdn
    train`` and ``tdn test`` (:func:`runner_config`)."""
    add_config_arguments(parser)
    parser.add_argument('--work-dir', help=work_dir_help)
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'],
                        help='distributed launcher (gloo without CUDA)')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def load_config(name: str, cfg_options: Optional[dict] = None) -> Config:
    """Load a config by name
    (:func:`tdn_plugin.utils.config_path.resolve_config`), merge overrides,
    apply its ``bad_videos`` setting
    (:func:`tdn_plugin.datasets.skip_bad_videos.wrap_bad_videos`) and make
    the plugin's and MMAction2's registries current (a config need not
    import the plugin)."""
    import tdn_plugin
    tdn_plugin.register_all_modules()
    from mmengine.config import Config

    from tdn_plugin.utils.config_path import resolve_config
    cfg = Config.fromfile(resolve_config(name))
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    from tdn_plugin.datasets.skip_bad_videos import wrap_bad_videos
    wrap_bad_videos(cfg)
    tdn_plugin.register_all_modules(
        init_default_scope=True,
        default_scope=cfg.get('default_scope') or 'mmaction')
    return cfg


def runner_config(args: argparse.Namespace) -> Config:
    """The config of ``tdn train`` / ``tdn test`` (:func:`load_config`)
    with its ``work_dir`` (``--work-dir``, else the config's, else
    ``./work_dirs/<config name>``) and ``--launcher``
    (:func:`tdn_plugin.engine.runner.set_launcher`)."""
    from tdn_plugin.engine.runner import set_launcher
    cfg = load_config(args.config, args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    set_launcher(cfg, args.launcher)
    return cfg


def run_runner(cfg: Config, verbose: bool, splits: List[str],
               checkpoint: Optional[str] = None) -> dict:
    """Check ``cfg`` and the lists of ``splits``, then train, or test
    ``checkpoint`` (:func:`tdn_plugin.engine.runner.run_config`).

    Args:
        cfg (Config): The config, from :func:`runner_config`.
        verbose (bool): Show the Runner's environment and config dump.
        splits (list[str]): The splits whose lists must exist.
        checkpoint (str, optional): Test it; None trains.

    Returns:
        dict: The test metrics (empty after training).
    """
    from tdn_plugin.datasets.data_check import require_lists
    from tdn_plugin.engine.runner import run_config
    from tdn_plugin.utils.checks import check_config
    check_config(cfg)
    require_lists(cfg, splits)
    return run_config(cfg, verbose, checkpoint=checkpoint,
                      test=checkpoint is not None).metrics
