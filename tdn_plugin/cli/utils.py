"""Shared by the ``tdn`` subcommands: config loading and model building.

Nothing here imports mmengine, torch or MMAction2 at module level: ``tdn
CMD --help`` must stay instant.
"""
from __future__ import annotations

import argparse
import os.path as osp
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from mmengine.config import Config


class ConfigOptions(argparse.Action):
    """mmengine's DictAction (KEY=VALUE pairs), imported when used."""

    def __call__(self, parser, namespace, values, option_string=None):
        from mmengine.config import DictAction
        DictAction(self.option_strings, self.dest)(parser, namespace, values,
                                                   option_string)


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        'config',
        help='MMAction2 config: a file, configs/tdn/X.py (found in the '
        'installed package when not in the current directory), '
        'tdn_plugin::tdn/X.py or mmaction::recognition/tsm/X.py')
    parser.add_argument(
        '--cfg-options', nargs='+', action=ConfigOptions, default={},
        help='override config settings, KEY=VALUE (e.g. '
        'model.cls_head.num_classes=10 train_dataloader.batch_size=4)')


def add_launcher_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'],
                        help='distributed launcher (gloo without CUDA)')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def load_config(name: str, cfg_options: Optional[dict] = None) -> Config:
    """Load a config by name (see
    :func:`tdn_plugin.utils.config_path.resolve_config`), merge overrides,
    apply its ``bad_videos`` setting
    (:func:`tdn_plugin.datasets.skip_bad_videos.wrap_bad_videos`), make the
    plugin and MMAction2's registries current
    (:func:`tdn_plugin.register_all_modules`; a config need not import the
    plugin itself)."""
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


def build_model(cfg: Config, pretrained: bool = False):
    """Build ``cfg.model``; ``pretrained=False`` skips ImageNet weights."""
    from mmaction.registry import MODELS
    model_cfg = cfg.model.copy()
    if not pretrained and 'pretrained' in model_cfg.get('backbone', {}):
        model_cfg.backbone.pretrained = None
    return MODELS.build(model_cfg)


def set_work_dir(cfg: Config, work_dir: Optional[str], config: str) -> None:
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(config))[0])


def release_distributed() -> None:
    """End the process group after a successful run. mmengine leaves it
    open, and gloo threads still alive at interpreter exit can abort a rank
    ("terminate called without an active exception") after the work is
    done. All ranks meet first, so none tears down while another still
    communicates; after an error nothing is done (a barrier could hang)."""
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def set_launcher(cfg: Config, launcher: str) -> None:
    """Distributed launch. Where there is no CUDA, unasked: gloo, and DDP
    over CPU modules (mmengine would pass device_ids=[LOCAL_RANK])."""
    cfg.launcher = launcher
    if launcher == 'none':
        return
    import torch
    if torch.cuda.is_available():
        return
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    cfg.env_cfg.dist_cfg.backend = 'gloo'
    if cfg.get('model_wrapper_cfg') is None:
        cfg.model_wrapper_cfg = dict(
            type='MMDistributedDataParallel', device_ids=None,
            broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False))
