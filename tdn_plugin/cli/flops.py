"""``tdn flops``: parameters and MACs of a config's model."""
import argparse

from .utils import add_config_arguments, load_config


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_arguments(parser)
    parser.add_argument('--shape', type=int, nargs='+', default=[224, 224],
                        help='input H W (default 224 224), one view')


def main(args: argparse.Namespace) -> int:
    from tdn_plugin.utils.checks import load_recognizer
    from tdn_plugin.utils.complexity import model_complexity
    height, width = (args.shape * 2)[:2]  # one value: a square
    cfg = load_config(args.config, args.cfg_options)
    result = model_complexity(load_recognizer(cfg), (height, width), cfg)
    print(f'config: {args.config}\ninput: 1 view, {result["frames"]} frames '
          f'of 3x{height}x{width}\n'
          f'params: {result["params"] / 1e6:.2f} M\n'
          f'MACs: {result["gmacs"]:.2f} G per view (mmengine\'s counter; it '
          'reports MACs as "flops" and counts BN/pooling too)')
    return 0
