"""``tdn demo``: argument parsing around
:func:`tdn_plugin.apis.demo.run_demo`."""
import argparse

from .utils import add_threads_argument


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from tdn_plugin.apis.demo_models import (
        ABLATION_MODELS,
        ALL_MODELS,
        BUDGET_S,
        DEFAULT_DATA,
        DEMO_MODELS,
        REFERENCE_SPEED_INDEX_S,
    )
    parser.description = (
        'Make the toy motion videos (classes in time-reversed pairs) if '
        'they are not there, then `tdn compare` the demo models on them '
        '(configs/demo): the table, results.json/csv/md, a chart of '
        'accuracy against cost, confusion matrices, the temporal probe '
        '(time_probe.png) and a Grad-CAM picture '
        'in WORK_DIR. How long the default models take, measured with its '
        'machine: configs/demo/README.md. It prints this machine\'s speed '
        'index (MMAction2\'s TSM-R50 s/clip; the budget\'s reference: '
        f'{REFERENCE_SPEED_INDEX_S} s for {BUDGET_S // 60} minutes) and how '
        'busy the machine is, and while it trains, how long the runs have '
        'left.')
    parser.add_argument(
        '--work-dir', metavar='DIR',
        help='results, logs and checkpoints (default: work_dirs/demo; '
        'work_dirs/demo-quick with --quick, work_dirs/ablation with '
        '--ablation)')
    parser.add_argument(
        '--quick', action='store_true',
        help='check the plumbing only (CI): tiny data made in WORK_DIR/data, '
        '1 epoch, tiny input, the same outputs')
    parser.add_argument(
        '--models', nargs='+', metavar='NAME',
        help=f'models to run (default: {" ".join(DEMO_MODELS)}): any of '
        f'{" ".join(ALL_MODELS)}; with --ablation: '
        f'{" ".join(ABLATION_MODELS)}')
    parser.add_argument(
        '--all', action='store_true', dest='all_models',
        help='run every contender, 2D and 3D (TIN is skipped where only '
        'mmcv-lite is installed); longer than the budget')
    parser.add_argument(
        '--data', metavar='DIR', dest='data_dir',
        help='video set with videos/, train.txt, val.txt (made there if '
        f'absent; default: {DEFAULT_DATA}, WORK_DIR/data with --quick)')
    parser.add_argument(
        '--ablation', action='store_true',
        help='run the ablation instead: TDN without each temporal part '
        '(configs/demo/ablation); writes WORK_DIR/ablation.md')
    parser.add_argument('--markdown', metavar='FILE', help='also write the '
                        'table and settings as markdown to FILE')
    parser.add_argument('--seed', type=int, default=0, metavar='N',
                        help='seed of every run (default: %(default)s)')
    parser.add_argument(
        '--no-probe', action='store_false', dest='probe',
        help='leave out the temporal probe (every model tested again with '
        'the val videos reversed, shuffled and frozen)')
    add_threads_argument(parser)


def main(args: argparse.Namespace) -> int:
    """Run the demo.

    Args:
        args (argparse.Namespace): Parsed arguments.

    Returns:
        int: 0 when every model ran, 1 when one failed (named in the
        report, the others still run).
    """
    import inspect

    from tdn_plugin.apis.demo import run_demo
    done = run_demo(**{name: getattr(args, name)  # each is an option
                       for name in inspect.signature(run_demo).parameters})
    return 1 if done['failed'] else 0
