"""``tdn train``: MMAction2's tools/train.py, for a PyPI install."""
import argparse

from tdn_plugin.utils.errors import UsageError

from .utils import add_runner_arguments, run_runner, runner_config


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_runner_arguments(parser, 'where logs and checkpoints go')
    parser.add_argument(
        '--resume', nargs='?', const='auto',
        help='resume from CKPT, or without a value from the latest '
        'checkpoint in the work dir')
    parser.add_argument('--amp', action='store_true',
                        help='automatic mixed precision')
    parser.add_argument(
        '--auto-scale-lr', action='store_true',
        help='scale the lr by the actual batch size (auto_scale_lr)')
    parser.add_argument('--seed', type=int, help='random seed')
    parser.add_argument(
        '--deterministic', action='store_true',
        help='deterministic algorithms, and every epoch seeded from (seed, '
        'epoch) so that a resumed run repeats the uninterrupted one')


def merge_args(cfg, args: argparse.Namespace):
    if args.amp:
        wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if wrapper == 'OptimWrapper':
            cfg.optim_wrapper.update(type='AmpOptimWrapper',
                                     loss_scale='dynamic')
        elif wrapper != 'AmpOptimWrapper':
            raise UsageError(f'--amp: optim_wrapper type {wrapper} is not '
                             'OptimWrapper/AmpOptimWrapper')
    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True
    if args.resume is not None:  # 'auto': the latest in the work dir
        cfg.resume = True
        cfg.load_from = None if args.resume == 'auto' else args.resume
    if args.seed is not None or args.deterministic:
        cfg.randomness = dict(seed=args.seed or 0,
                              deterministic=args.deterministic)
    if args.deterministic:
        hooks = list(cfg.get('custom_hooks') or [])
        if not any(h.get('type') == 'EpochSeedHook' for h in hooks):
            hooks.append(dict(type='EpochSeedHook'))
        cfg.custom_hooks = hooks
    return cfg


def main(args: argparse.Namespace) -> int:
    cfg = merge_args(runner_config(args), args)
    run_runner(cfg, args.verbose,
               ['train'] + (['val'] if cfg.get('val_cfg') else []))
    return 0
