"""Shared by the ``tdn`` subcommands: config loading and model building."""
import argparse
import os.path as osp
from typing import Optional

from mmengine.config import Config, DictAction


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('config', help='MMAction2 config file')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        default={},
        help='override config settings, KEY=VALUE (e.g. '
        'model.cls_head.num_classes=10 train_dataloader.batch_size=4)')


def add_launcher_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='distributed launcher (gloo without CUDA)')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """Load a config, merge overrides, make the plugin and MMAction2's
    registries current (a config need not import the plugin itself)."""
    if not osp.isfile(path):
        raise SystemExit(f'tdn: config file not found: {path}')
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    from mmaction.utils import register_all_modules

    import tdn_plugin  # noqa: F401  registers the plugin's modules
    register_all_modules(init_default_scope=False)
    from mmengine.registry import init_default_scope
    init_default_scope(cfg.get('default_scope', 'mmaction'))
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
            type='MMDistributedDataParallel',
            device_ids=None,
            broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False))
