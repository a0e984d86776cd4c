"""``tdn flops``: parameters and MACs of a config's model."""
import argparse

from .utils import add_config_arguments


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_arguments(parser)
    parser.add_argument('--shape', type=int, nargs='+', default=[224, 224],
                        help='input H W (default 224 224), one view')


def main(args: argparse.Namespace) -> int:
    from tdn_plugin.utils.complexity import model_complexity

    from .utils import build_model, load_config
    if len(args.shape) == 1:
        args.shape = args.shape * 2
    cfg = load_config(args.config, args.cfg_options)
    result = model_complexity(build_model(cfg), tuple(args.shape), cfg)
    print(f'config: {args.config}\ninput: 1 view, {result["frames"]} frames '
          f'of 3x{args.shape[0]}x{args.shape[1]}\n'
          f'params: {result["params"] / 1e6:.2f} M\n'
          f'MACs: {result["gmacs"]:.2f} G per view (mmengine\'s counter; it '
          'reports MACs as "flops" and counts BN/pooling too)')
    return 0
