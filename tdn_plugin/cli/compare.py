"""``tdn compare``: argument parsing and printing around
:func:`tdn_plugin.apis.compare.compare`."""
import argparse
from dataclasses import fields

from .utils import add_cfg_options, add_threads_argument


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from tdn_plugin.utils.config_edit import DECODERS, PRETRAINED, RECIPES
    from tdn_plugin.utils.views import VIEWS
    parser.description = (
        'Train and test every config (any MMAction2 recognizer, 2D or 3D) '
        'under one budget (data, epochs, input size, recipe, seed, test '
        'protocol, bad-video policy), measure them side by side, print the '
        'table and write WORK_DIR/results.json, results.csv, results.md, '
        'accuracy_vs_cost.png and confusion matrices. A config that fails '
        'is named with why in each of them, and the others still run.')
    parser.add_argument(
        'configs', nargs='*', metavar='CONFIG',
        help='recognizer configs: files, configs/X.py of the plugin, or '
        "MMAction2's own as mmaction::recognition/tsm/X.py")
    parser.add_argument(
        '--from-work-dirs', nargs='+', metavar='W',
        help='build the report from finished runs (their dumped config, '
        'best/last checkpoint and logs) without retraining')
    parser.add_argument('--names', nargs='+', metavar='NAME',
                        help='a table name per config (default: file names)')
    data = parser.add_argument_group("data (default: each config's own)")
    data.add_argument('--data-root', metavar='D',
                      help='directory of the videos (data_prefix)')
    data.add_argument('--train-list', metavar='T',
                      help='training list (VideoDataset: "video label")')
    data.add_argument('--val-list', metavar='V', help='test list')
    data.add_argument('--classes', metavar='C',
                      help='class names, one a line (sets num_classes)')
    data.add_argument('--families', metavar='FILE',
                      help='families.json: {"family": ["class", ...]} '
                      '(default: next to the classes file or the lists)')
    budget = parser.add_argument_group('budget')
    budget.add_argument('--epochs', type=int, metavar='E')
    budget.add_argument('--input-size', type=int, metavar='S',
                        help='square input size of every split')
    budget.add_argument('--batch-size', type=int, metavar='B')
    budget.add_argument(
        '--num-workers', type=int, metavar='N',
        help="data loader workers of every config (default: each config's, "
        'at most the cores available)')
    budget.add_argument(
        '--views', choices=list(VIEWS), default='1x1',
        help='test protocol of every model: 1 clip centre crop, 1 clip 3 '
        'crops, 10 clips x 3 crops (default: %(default)s)')
    budget.add_argument(
        '--pretrained', choices=PRETRAINED, default='keep',
        help="keep each config's pretrained weights, or none: clear every "
        'pretrained source and train from scratch (default: %(default)s)')
    budget.add_argument(
        '--recipe', choices=RECIPES, default='shared',
        help="shared: the first config's optimiser, schedule, warm-up, "
        "weight decay, batch and clip grad for all; own: each config's, its "
        'lr scaled linearly to the batch used (default: %(default)s)')
    budget.add_argument(
        '--decoder', choices=DECODERS, default='walk',
        help='walk: every DecordDecode becomes DecordWalkDecode (the same '
        'frames, each decoded once), so data time compares on equal terms; '
        "own: each config's decoder (default: %(default)s)")
    budget.add_argument('--seed', type=int, default=0)
    add_cfg_options(budget, 'merged into every config first')
    parser.add_argument('--work-dir', default='work_dirs/compare',
                        help='report here, each run in WORK_DIR/<name> '
                        '(default: %(default)s)')
    parser.add_argument('--latency-rounds', type=int, default=20,
                        help='timed latency rounds (default: %(default)s)')
    parser.add_argument(
        '--probe', action='store_true',
        help='temporal probe: test every model again with its test videos '
        'reversed, shuffled (8 chunks out of order) and frozen (middle '
        'frame), same protocol; reports top-1 under each, the order and '
        'motion gains, the classes that need time, and time_probe.png')
    add_threads_argument(parser)


def main(args: argparse.Namespace) -> int:
    """Run the comparison.

    Args:
        args (argparse.Namespace): Parsed arguments.

    Returns:
        int: 0 when every config ran, 1 when one failed.

    Raises:
        UsageError: Neither or both of CONFIGs and --from-work-dirs.
    """
    from tdn_plugin.apis.compare import (
        CompareSettings,
        compare,
        report_work_dirs,
    )
    from tdn_plugin.utils.errors import UsageError
    from tdn_plugin.utils.timing import set_threads
    if bool(args.configs) == bool(args.from_work_dirs):
        raise UsageError('give CONFIGs or --from-work-dirs (one of the two)')
    settings = CompareSettings(**{  # every field is an option's dest
        f.name: getattr(args, f.name) for f in fields(CompareSettings)})
    print(f'tdn compare: {set_threads(args.threads)}', flush=True)
    run = report_work_dirs if args.from_work_dirs else compare
    done = run(args.from_work_dirs or args.configs, args.work_dir, settings,
               names=args.names)
    return 1 if done['failed'] else 0
