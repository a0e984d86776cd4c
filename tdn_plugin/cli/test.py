"""``tdn test``: MMAction2's tools/test.py, for a PyPI install."""
import argparse

from tdn_plugin.utils.errors import MissingFileError, UsageError
from tdn_plugin.utils.views import VIEWS, set_test_views

from .utils import (
    add_overwrite_argument,
    add_runner_arguments,
    run_runner,
    runner_config,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_runner_arguments(parser, 'where logs go')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--dump',
        help='write the predictions (scores, labels, and each view\'s raw '
        'logits for `tdn ensemble`) to this .pkl file')
    parser.add_argument(
        '--probe', action='store_true',
        help='temporal probe: test again with the videos reversed, '
        'shuffled (8 chunks out of order) and frozen (middle frame), same '
        'protocol; prints top-1 under each and the order and motion gains, '
        'writes WORK_DIR/probe/probe.json')
    parser.add_argument(
        '--views', choices=VIEWS,
        help="rewrite the test pipeline for the release's protocol: 1 clip "
        'centre crop, 1 clip 3 crops, 10 clips x 3 crops')
    add_overwrite_argument(parser)


def main(args: argparse.Namespace) -> int:
    import os.path as osp
    cfg = runner_config(args)
    if not osp.isfile(args.checkpoint):
        raise MissingFileError(f'checkpoint not found: {args.checkpoint}')
    if args.views:
        set_test_views(cfg, args.views)
    cfg.load_from = None  # loaded strictly by run_runner, before any test
    if args.probe and args.launcher != 'none':
        raise UsageError('--probe tests in one process: leave out '
                         '--launcher')
    if args.probe:
        from tdn_plugin.apis.probe import check_probe
        check_probe(cfg)
    from tdn_plugin.utils.config_edit import dump_predictions
    if args.dump:
        if not args.dump.endswith(('.pkl', '.pickle')):
            raise UsageError('--dump: the file must end in .pkl')
        cfg.model.test_cfg = dict(cfg.model.get('test_cfg') or {},
                                  keep_view_scores=True)
        dump_predictions(cfg, args.dump)
    ordered = args.dump or osp.join(cfg.work_dir, 'probe', 'ordered.pkl')
    if args.probe and not args.dump:
        dump_predictions(cfg, ordered)
    metrics = run_runner(cfg, args.verbose, ['test'], args.checkpoint)
    # printed whatever the config's log_level (its logger may be silent)
    print(f'{args.checkpoint}: ' + ', '.join(
        f'{name} {value:.4f}' for name, value in metrics.items()))
    if args.probe:
        from tdn_plugin.apis.probe import probe_checkpoint
        probe_checkpoint(cfg, args.checkpoint, ordered, args.verbose)
    return 0
