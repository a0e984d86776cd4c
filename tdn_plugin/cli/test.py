"""``tdn test``: MMAction2's tools/test.py, for a PyPI install."""
import argparse

from tdn_plugin.utils.errors import MissingFileError, UsageError
from tdn_plugin.utils.views import VIEWS

from .utils import (
    add_config_arguments,
    add_launcher_arguments,
    load_config,
    release_distributed,
    set_launcher,
    set_work_dir,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_arguments(parser)
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='where logs go')
    parser.add_argument(
        '--dump',
        help='write the predictions (scores, labels, and each view\'s raw '
        'logits for `tdn ensemble`) to this .pkl file')
    parser.add_argument(
        '--views', choices=VIEWS,
        help="rewrite the test pipeline for the release's protocol: 1 clip "
        'centre crop, 1 clip 3 crops, 10 clips x 3 crops')
    add_launcher_arguments(parser)


def main(args: argparse.Namespace) -> int:
    import os.path as osp

    from tdn_plugin.datasets.data_check import require_lists
    from tdn_plugin.engine.runner import build_runner
    from tdn_plugin.utils.checks import check_config, load_checkpoint_strictly
    cfg = load_config(args.config, args.cfg_options)
    set_work_dir(cfg, args.work_dir, args.config)
    set_launcher(cfg, args.launcher)
    if not osp.isfile(args.checkpoint):
        raise MissingFileError(f'checkpoint not found: {args.checkpoint}')
    if args.views:
        from tdn_plugin.utils.views import set_test_views
        set_test_views(cfg, args.views)
    check_config(cfg)
    require_lists(cfg, ['test'])
    cfg.load_from = None  # loaded strictly below, before any test work
    if args.dump:
        if not args.dump.endswith(('.pkl', '.pickle')):
            raise UsageError('--dump: the file must end in .pkl')
        from tdn_plugin.utils.config_edit import dump_predictions
        cfg.model.test_cfg = dict(cfg.model.get('test_cfg') or {},
                                  keep_view_scores=True)
        dump_predictions(cfg, args.dump)
    runner = build_runner(cfg, args.verbose)
    load_checkpoint_strictly(runner, args.checkpoint)
    runner.test()
    release_distributed()
    return 0
