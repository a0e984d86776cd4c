"""``tdn benchmark``: TDN, GTDNet, TSM and TSN side by side."""
import argparse

HELP = 'latency, throughput and data-pipeline speed, side by side'


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--device', choices=['cpu', 'cuda'], default='cpu')
    parser.add_argument(
        '--models',
        nargs='+',
        default=['tdn', 'gtdnet', 'tsm', 'tsn'],
        choices=['tdn', 'gtdnet', 'tsm', 'tsn'],
        help='R50, T=8 models (TSM is the reference of the ratios)')
    parser.add_argument('--size', type=int, default=224, help='input size')
    parser.add_argument(
        '--batch', type=int, default=8, help='batch of the throughput run')
    parser.add_argument(
        '--train-batch', type=int, default=2, help='batch of a train step')
    parser.add_argument(
        '--repeats', type=int, default=5, help='timed rounds per figure')
    parser.add_argument(
        '--variants',
        nargs='+',
        choices=['fp32', 'amp', 'channels_last', 'amp+channels_last'],
        help='default: fp32 on CPU; all four on CUDA')
    parser.add_argument(
        '--pipeline-videos',
        type=int,
        default=16,
        help='toy videos for the data-pipeline benchmark (0: skip it)')
    parser.add_argument(
        '--threads', type=int,
        help='torch CPU threads (default: OMP_NUM_THREADS, else all cores; '
        'the choice is printed, and a warning when other work competes)')
    parser.add_argument('--json', help='also write the results here')
    # deployment backends (tdn_plugin.deploy.benchmark)
    parser.add_argument(
        '--backends', nargs='+', choices=['torch', 'onnxruntime', 'openvino'],
        help='time --models (default tdn, tsm) on these backends instead')
    parser.add_argument('--int8', action='store_true',
                        help='with --backends: also the int8 graphs')
    parser.add_argument(
        '--int8-accuracy', nargs=2, metavar=('CONFIG', 'CHECKPOINT'),
        help='with --int8: top-1 of fp32 and int8 on the val list of '
        'this trained model')


def main(args: argparse.Namespace) -> int:
    import json

    import torch

    from tdn_plugin.apis.benchmark import format_result, run_benchmark
    from tdn_plugin.utils.timing import set_threads
    if args.device == 'cuda' and not torch.cuda.is_available():
        raise SystemExit('tdn benchmark: --device cuda but CUDA is not '
                         'available')
    print(f'tdn benchmark: {set_threads(args.threads)}', flush=True)
    if args.backends:
        from tdn_plugin.deploy.benchmark import run_cli
        return run_cli(args)
    result = run_benchmark(args.models, args.device, args.size, args.batch,
                           args.train_batch, args.repeats, args.variants,
                           args.pipeline_videos)
    print(format_result(result))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=2)
        print(f'\nwritten: {args.json}')
    return 0
