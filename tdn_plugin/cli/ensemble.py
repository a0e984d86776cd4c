"""``tdn ensemble``: combine the dumped test scores of several models
(:func:`tdn_plugin.apis.ensemble.ensemble`)."""
import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from tdn_plugin.apis.ensemble import RULES
    parser.add_argument(
        'dumps', nargs='+',
        help='results files of `tdn test CONFIG CKPT --dump FILE.pkl`, one '
        'per model, same test list')
    parser.add_argument(
        '--ann', required=True, help='the test annotation list (path label)')
    parser.add_argument(
        '--rule', choices=RULES, default=RULES[0],
        help="relu-sum: the release's rule, sum of ReLU-clipped raw logits "
        'over models and views; softmax-mean: mean of softmax over them')


def main(args: argparse.Namespace) -> int:
    from tdn_plugin.apis.ensemble import ensemble
    result = ensemble(args.dumps, args.ann, args.rule)
    k = min(5, result.confusion.shape[0])
    print(f'{len(args.dumps)} model(s), {int(result.confusion.sum())} videos, '
          f'rule {args.rule}: top-1 {100 * result.top1:.2f}  top-{k} '
          f'{100 * result.top5:.2f}')
    return 0
