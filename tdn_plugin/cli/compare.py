"""``tdn compare``: train, test and compare recognizer configs in one table.

The work is done by :mod:`tdn_plugin.apis.compare`.
"""
import argparse
import sys

HELP = 'train, test and compare recognizer configs in one table'


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the subcommand's arguments.

    Args:
        parser (argparse.ArgumentParser): The ``compare`` parser.
    """
    from tdn_plugin.utils.views import VIEWS

    from .utils import ConfigOptions
    parser.description = (
        'Train and test every config (any MMAction2 2D recognizer) under one '
        'budget (same data, epochs, input size, seed, test protocol) with '
        "mmengine's Runner, measure them side by side in one process, then "
        'print the table (top-1, top-5, mean class accuracy, per-family '
        'top-1 where the data has families.json, params, GMACs per view x '
        'views, ms per view, data vs compute time) and write '
        'WORK_DIR/results.json, results.csv, results.md, '
        'accuracy_vs_cost.png (the paper\'s Figure 1) and confusion '
        'matrices. A config that fails is reported on one line and the '
        'others still run.')
    parser.add_argument(
        'configs', nargs='*', metavar='CONFIG',
        help='MMAction2 recognizer configs: files, configs/X.py of the '
        'plugin, tdn_plugin::X.py, or MMAction2\'s own as '
        'mmaction::recognition/tsm/X.py')
    parser.add_argument(
        '--from-work-dirs', nargs='+', metavar='W',
        help='build the report from finished runs (their dumped config, '
        'best/last checkpoint and logs) without retraining')
    parser.add_argument('--names', nargs='+', metavar='NAME',
                        help='a table name per config (default: file names)')
    data = parser.add_argument_group(
        'data (default: keep each config\'s own)')
    data.add_argument('--data-root', metavar='D',
                      help='directory of the videos (data_prefix)')
    data.add_argument('--train-list', metavar='T',
                      help='training list (VideoDataset: "video label")')
    data.add_argument('--val-list', metavar='V',
                      help='test list (the models are tested on it)')
    data.add_argument('--classes', metavar='C',
                      help='class names, one a line (sets num_classes)')
    data.add_argument('--families', metavar='FILE',
                      help='families.json: {"family": ["class", ...]} '
                      '(default: next to the classes file or the lists)')
    budget = parser.add_argument_group(
        'budget (default: each config\'s own)')
    budget.add_argument('--epochs', type=int, metavar='E')
    budget.add_argument('--input-size', type=int, metavar='S',
                        help='square input size of every split')
    budget.add_argument('--batch-size', type=int, metavar='B')
    budget.add_argument('--num-workers', type=int, metavar='N')
    budget.add_argument('--views', choices=list(VIEWS),
                        help='test protocol: 1 clip centre crop, 1 clip 3 '
                        'crops, 10 clips x 3 crops')
    budget.add_argument('--seed', type=int, default=0)
    budget.add_argument(
        '--cfg-options', nargs='+', action=ConfigOptions, default={},
        metavar='KEY=VALUE',
        help='merged into every config first (e.g. '
        'model.backbone.pretrained=None to train from scratch offline)')
    parser.add_argument('--work-dir', default='work_dirs/compare',
                        help='report here, each run in WORK_DIR/<name> '
                        '(default: %(default)s)')
    parser.add_argument('--latency-rounds', type=int, default=20,
                        help='timed rounds of the latency (default: '
                        '%(default)s)')
    parser.add_argument('--threads', type=int, metavar='N',
                        help='PyTorch CPU threads (default: OMP_NUM_THREADS, '
                        'else all cores)')
    parser.add_argument('--verbose', action='store_true',
                        help="show each Runner's environment and config dump")


def main(args: argparse.Namespace) -> int:
    """Run the comparison.

    Args:
        args (argparse.Namespace): Parsed arguments.

    Returns:
        int: 0 when every config ran, 1 when one failed or on a bad request
        (message on stderr).
    """
    from tdn_plugin.apis.compare import (
        CompareError,
        CompareSettings,
        compare,
        report_work_dirs,
    )
    from tdn_plugin.apis.data import DataError
    from tdn_plugin.utils.timing import set_threads
    if bool(args.configs) == bool(args.from_work_dirs):
        print('tdn compare: error: give CONFIGs or --from-work-dirs (one of '
              'the two)', file=sys.stderr)
        return 1
    settings = CompareSettings(
        data_root=args.data_root, train_list=args.train_list,
        val_list=args.val_list, classes=args.classes,
        families=args.families, epochs=args.epochs,
        input_size=args.input_size, batch_size=args.batch_size,
        num_workers=args.num_workers, views=args.views, seed=args.seed,
        cfg_options=args.cfg_options or None,
        latency_rounds=args.latency_rounds, verbose=args.verbose)
    print(f'tdn compare: {set_threads(args.threads)}', flush=True)
    try:
        if args.from_work_dirs:
            done = report_work_dirs(args.from_work_dirs, args.work_dir,
                                    settings, names=args.names)
        else:
            done = compare(args.configs, args.work_dir, settings,
                           names=args.names)
    except (CompareError, DataError) as error:
        print(f'tdn compare: error: {error}', file=sys.stderr)
        return 1
    return 1 if done['failed'] else 0
