"""``tdn make-toy-data DIR``: generate the toy motion video dataset."""
import argparse

from tdn_plugin.datasets.toy_motion import (
    DEFAULT_FAMILIES,
    DEFAULT_SIZE,
    DEFAULT_VAL_PER_CLASS,
    DEFAULT_VIDEOS_PER_CLASS,
    FAMILIES,
    make_toy_motion,
)


def _family_list(text: str) -> tuple:
    """``order,short-term`` -> ('order', 'short-term'), names checked."""
    names = tuple(name.strip() for name in text.split(',') if name.strip())
    unknown = [name for name in names if name not in FAMILIES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f'unknown or no family in {text!r}: choose from '
            f'{", ".join(FAMILIES)}')
    return names


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        'Generate procedural videos in families of class pairs that '
        'appearance cannot separate: order and short-term motion (described '
        'in configs/demo/README.md), and appearance, a control that one '
        'frame solves. Writes DIR/videos/*.mp4, DIR/train.txt, DIR/val.txt '
        '(MMAction2 VideoDataset lists), DIR/classes.txt and '
        'DIR/families.json (family -> class names).')
    parser.add_argument('dir', metavar='DIR', help='output directory')
    parser.add_argument(
        '--videos-per-class', type=int, default=DEFAULT_VIDEOS_PER_CLASS,
        metavar='N', help='training videos per class (default: %(default)s)')
    parser.add_argument(
        '--val-per-class', type=int, default=DEFAULT_VAL_PER_CLASS,
        metavar='N', help='val videos per class (default: %(default)s)')
    parser.add_argument('--seed', type=int, default=0, metavar='S',
                        help='random seed, >= 0 (default: %(default)s)')
    parser.add_argument(
        '--size', type=int, default=DEFAULT_SIZE, metavar='PX',
        help='frame height and width, even (default: %(default)s)')
    parser.add_argument(
        '--families', type=_family_list, default=DEFAULT_FAMILIES,
        metavar='F[,F...]', help='comma-separated motion families, from '
        f'{", ".join(FAMILIES)} (default: {",".join(DEFAULT_FAMILIES)})')
    parser.add_argument(
        '--force', action='store_true', help='regenerate even if DIR holds '
        'a complete set made with the same parameters')
    parser.add_argument('--no-progress', action='store_true',
                        help='do not show a progress bar')


def main(args: argparse.Namespace) -> int:
    """Generate the dataset and print where it went."""
    summary = make_toy_motion(
        args.dir, videos_per_class=args.videos_per_class,
        val_per_class=args.val_per_class, seed=args.seed, size=args.size,
        force=args.force, progress=not args.no_progress,
        families=args.families)
    if summary['skipped']:
        print(f"{summary['out_dir']} already holds this toy motion set "
              '(same parameters); kept it (--force to regenerate)')
    else:
        print(f"wrote the toy motion set to {summary['out_dir']}")
    print('  {classes} classes, {num_train} train videos ({videos_per_class} '
          'per class), {num_val} val videos ({val_per_class} per class), '
          '{size}x{size} px, seed {seed}'.format_map(
              dict(summary, classes=len(summary['classes']))))
    for family, names in summary['families'].items():
        print(f"  {family}: {', '.join(names)}")
    return 0
