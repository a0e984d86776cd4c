"""``tdn test``: MMAction2's tools/test.py, for a PyPI install."""
import argparse

from .utils import (
    add_config_arguments,
    add_launcher_arguments,
    build_runner,
    load_config,
    release_distributed,
    require_data,
    set_launcher,
    set_work_dir,
)

HELP = 'test a checkpoint with an MMAction2 config'


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_arguments(parser)
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='where logs go')
    parser.add_argument(
        '--dump',
        help='write the predictions (scores, labels, and each view\'s raw '
        'logits for `tdn ensemble`) to this .pkl file')
    parser.add_argument(
        '--views', choices=['1x1', '3crop', '10x3'],
        help="rewrite the test pipeline for the release's protocol: 1 clip "
        'centre crop, 1 clip 3 crops, 10 clips x 3 crops')
    add_launcher_arguments(parser)


def main(args: argparse.Namespace) -> int:
    import os.path as osp

    from tdn_plugin.utils.checks import check_config
    cfg = load_config(args.config, args.cfg_options)
    set_work_dir(cfg, args.work_dir, args.config)
    set_launcher(cfg, args.launcher)
    if not osp.isfile(args.checkpoint):
        raise SystemExit(f'tdn test: checkpoint not found: {args.checkpoint}')
    if args.views:
        from tdn_plugin.utils.views import set_test_views
        set_test_views(cfg, args.views)
    check_config(cfg)
    require_data(cfg, ['test'])
    cfg.load_from = None  # loaded strictly below, before any test work
    if args.dump:
        if not args.dump.endswith(('.pkl', '.pickle')):
            raise SystemExit('tdn test --dump: the file must end in .pkl')
        cfg.model.setdefault('test_cfg', {})
        cfg.model.test_cfg = dict(cfg.model.test_cfg or {},
                                  keep_view_scores=True)
        evaluator = cfg.test_evaluator
        evaluator = list(evaluator) if isinstance(evaluator,
                                                  (list, tuple)) else [
                                                      evaluator]
        evaluator.append(dict(type='DumpResults', out_file_path=args.dump))
        cfg.test_evaluator = evaluator
    runner = build_runner(cfg, args.verbose)
    from tdn_plugin.utils.checks import load_checkpoint_strictly
    load_checkpoint_strictly(runner, args.checkpoint)
    runner.test()
    release_distributed()
    return 0
