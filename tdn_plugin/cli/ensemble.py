"""``tdn ensemble``: combine the dumped test scores of several models."""
import argparse

HELP = 'combine dumped test scores of several models'


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        'dumps',
        nargs='+',
        help='results files of `tdn test CONFIG CKPT --dump FILE.pkl`, one '
        'per model, same test list')
    parser.add_argument(
        '--ann', required=True, help='the test annotation list (path label)')
    parser.add_argument(
        '--rule',
        choices=['relu-sum', 'softmax-mean'],
        default='relu-sum',
        help="relu-sum: the release's rule, sum of ReLU-clipped raw logits "
        'over models and views; softmax-mean: mean of softmax over them')


def read_labels(ann_file: str) -> list:
    labels = []
    with open(ann_file) as f:
        for number, line in enumerate(f, 1):
            if line.strip():
                try:
                    labels.append(int(line.split()[-1]))
                except ValueError:
                    raise SystemExit(f'tdn ensemble: {ann_file}:{number}: '
                                     f'no label in {line.strip()!r}')
    return labels


def combine(view_scores: list, rule: str):
    """Per-model lists of (views, K) raw logits -> (N, K) combined scores."""
    import torch
    per_model = []
    for samples in view_scores:
        scores = torch.stack([torch.as_tensor(s).float() for s in samples])
        if rule == 'relu-sum':
            per_model.append(scores.clamp(min=0).sum(1))
        else:
            per_model.append(scores.softmax(-1).mean(1))
    combined = torch.stack(per_model).sum(0)
    return combined if rule == 'relu-sum' else combined / len(per_model)


def topk_accuracy(scores, labels, k: int) -> float:
    import torch
    labels = torch.as_tensor(labels)
    top = scores.topk(k, dim=1).indices
    return (top == labels[:, None]).any(1).float().mean().item()


def main(args: argparse.Namespace) -> int:
    from tdn_plugin.utils.safe_pickle import load_results
    labels = read_labels(args.ann)
    view_scores = []
    for path in args.dumps:
        results = load_results(path)
        if not results or 'view_scores' not in results[0]:
            raise SystemExit(
                f'tdn ensemble: {path} has no per-view scores; write it with '
                '`tdn test CONFIG CKPT --dump FILE.pkl`')
        if len(results) != len(labels):
            raise SystemExit(f'tdn ensemble: {path} has {len(results)} '
                             f'results, {args.ann} {len(labels)} videos')
        view_scores.append([r['view_scores'] for r in results])
    scores = combine(view_scores, args.rule)
    k5 = min(5, scores.shape[1])
    top1 = topk_accuracy(scores, labels, 1)
    top5 = topk_accuracy(scores, labels, k5)
    print(f'{len(args.dumps)} model(s), {len(labels)} videos, rule '
          f'{args.rule}: top-1 {100 * top1:.2f}  top-{k5} {100 * top5:.2f}')
    return 0
