"""``tdn demo``: ``tdn compare`` on the toy motion set with the demo configs.

The work is done by :func:`tdn_plugin.apis.demo.run_demo`.
"""
import argparse
import sys

HELP = 'toy motion data; train and compare TDN, TSN, TSM (--all: more) on CPU'


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the subcommand's arguments.

    Args:
        parser (argparse.ArgumentParser): The ``demo`` parser.
    """
    from tdn_plugin.apis.demo_models import (
        ABLATION_MODELS,
        ALL_MODELS,
        DEFAULT_DATA,
        DEMO_MODELS,
        QUICK_DATA,
    )
    parser.description = (
        'Make the toy motion videos (classes in time-reversed pairs: moving '
        'right/left, ...) if they are not there, train and test each demo '
        'model on them with mmengine\'s Runner (configs/demo), then print a '
        'table (top-1, top-5, mean class accuracy, per-family top-1, params, '
        'MACs, CPU ms per view) and write WORK_DIR/results.json, a CSV, a '
        'markdown table, a chart of accuracy against cost, confusion '
        'matrices and a Grad-CAM picture (`tdn compare` on the toy set). '
        'The default contenders fit 10 minutes on an idle 2-core CPU whose '
        'speed index (TSM-R50 latency, printed) is 0.28 s.')
    parser.add_argument(
        '--work-dir', metavar='DIR',
        help='results, logs and checkpoints (default: work_dirs/demo; '
        'work_dirs/demo-quick with --quick, work_dirs/ablation with '
        '--ablation)')
    parser.add_argument(
        '--quick', action='store_true',
        help='check the plumbing only (CI, under 2 minutes): tiny data, '
        '1 epoch, tiny input, the same outputs')
    parser.add_argument(
        '--models', nargs='+', metavar='NAME',
        help=f'models to run (default: {" ".join(DEMO_MODELS)}): any of '
        f'{" ".join(ALL_MODELS)}; with --ablation: '
        f'{" ".join(ABLATION_MODELS)}')
    parser.add_argument(
        '--all', action='store_true', dest='all_models',
        help='run every contender (adds GTDNet, TANet, TRN, TPN, TIN and '
        'GTDNet with a short-term TDM; TIN is skipped where only mmcv-lite '
        'is installed); longer than the budget')
    parser.add_argument(
        '--data', metavar='DIR',
        help='video set with videos/, train.txt, val.txt (made there if '
        f'absent; default: {DEFAULT_DATA}, {QUICK_DATA} with --quick, under '
        'the current directory)')
    parser.add_argument(
        '--ablation', action='store_true',
        help='run the ablation instead: TDN without S-TDM, without L-TDM, '
        'without the temporal conv, without all three '
        '(configs/demo/ablation); writes WORK_DIR/ablation.md')
    parser.add_argument(
        '--markdown', metavar='FILE',
        help='also write the table and settings as markdown to FILE (e.g. '
        'docs/ablation.md)')
    parser.add_argument(
        '--seed', type=int, default=0, metavar='N',
        help='seed of every run (default: 0); other seeds show how far a '
        'number moves from run to run')
    parser.add_argument(
        '--threads', type=int, metavar='N',
        help='PyTorch CPU threads (default: OMP_NUM_THREADS, else all '
        'cores; the choice and the load are printed)')
    parser.add_argument(
        '--verbose', action='store_true',
        help="show each Runner's environment and config dump")


def main(args: argparse.Namespace) -> int:
    """Run the demo.

    Args:
        args (argparse.Namespace): Parsed arguments.

    Returns:
        int: 0 on success, 1 on an error (message on stderr).
    """
    from tdn_plugin.apis.demo import DemoError, main_command_line, run_demo
    try:
        run_demo(
            work_dir=args.work_dir,
            models=args.models,
            data_dir=args.data,
            quick=args.quick,
            ablation=args.ablation,
            all_models=args.all_models,
            markdown=args.markdown,
            verbose=args.verbose,
            threads=args.threads,
            command=main_command_line(),
            seed=args.seed)
    except DemoError as error:
        print(f'tdn demo: error: {error}', file=sys.stderr)
        return 1
    return 0
