"""``tdn make-toy-data DIR``: generate the toy motion video dataset."""
import argparse
import sys

from tdn_plugin.datasets.toy_motion import (
    CLASSES,
    DEFAULT_SIZE,
    DEFAULT_VAL_PER_CLASS,
    DEFAULT_VIDEOS_PER_CLASS,
    make_toy_motion,
)

HELP = 'generate the toy motion video dataset'


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the subcommand's arguments.

    Args:
        parser (argparse.ArgumentParser): The ``make-toy-data`` parser.
    """
    parser.description = (
        f'Generate {len(CLASSES)} classes of procedural videos in which only '
        'the order of the frames tells a class from its time-reversed twin '
        '(moving right/left, down/up, growing/shrinking, rotating clockwise/'
        'anticlockwise, appearing/disappearing). Writes DIR/videos/*.mp4, '
        'DIR/train.txt, DIR/val.txt (MMAction2 VideoDataset lists) and '
        'DIR/classes.txt.')
    parser.add_argument('dir', metavar='DIR', help='output directory')
    parser.add_argument(
        '--videos-per-class', type=int, default=DEFAULT_VIDEOS_PER_CLASS,
        metavar='N',
        help='training videos per class (default: %(default)s)')
    parser.add_argument(
        '--val-per-class', type=int, default=DEFAULT_VAL_PER_CLASS,
        metavar='N',
        help='validation videos per class (default: %(default)s)')
    parser.add_argument('--seed', type=int, default=0, metavar='S',
                        help='random seed, >= 0 (default: %(default)s)')
    parser.add_argument(
        '--size', type=int, default=DEFAULT_SIZE, metavar='PX',
        help='frame height and width, even (default: %(default)s)')
    parser.add_argument(
        '--force', action='store_true',
        help='regenerate even if DIR holds a complete set made with the '
        'same parameters')
    parser.add_argument('--no-progress', action='store_true',
                        help='do not show a progress bar')


def main(args: argparse.Namespace) -> int:
    """Generate the dataset and print where it went.

    Args:
        args (argparse.Namespace): Parsed arguments.

    Returns:
        int: 0 on success, 1 on an error (message on stderr).
    """
    try:
        summary = make_toy_motion(
            args.dir,
            videos_per_class=args.videos_per_class,
            val_per_class=args.val_per_class,
            seed=args.seed,
            size=args.size,
            force=args.force,
            progress=not args.no_progress)
    except OSError as error:
        print(f'tdn make-toy-data: error: cannot write the dataset to '
              f'{args.dir}: {error}', file=sys.stderr)
        return 1
    except (ValueError, RuntimeError) as error:
        print(f'tdn make-toy-data: error: {error}', file=sys.stderr)
        return 1
    if summary['skipped']:
        print(f"{summary['out_dir']} already holds this toy motion set "
              '(same parameters); kept it (--force to regenerate)')
    else:
        print(f"wrote the toy motion set to {summary['out_dir']}")
    print(f"  {len(summary['classes'])} classes, {summary['num_train']} "
          f"train videos ({summary['videos_per_class']} per class), "
          f"{summary['num_val']} val videos ({summary['val_per_class']} per "
          f"class), {summary['size']}x{summary['size']} px, seed "
          f"{summary['seed']}")
    return 0
