"""``tdn benchmark``: TDN, GTDNet, TSM and TSN side by side."""
import argparse

from tdn_plugin.utils.errors import UsageError

from .utils import add_overwrite_argument

MODELS = ['tdn', 'gtdnet', 'tsm', 'tsn']


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--device', choices=['cpu', 'cuda'], default='cpu')
    parser.add_argument(
        '--models', nargs='+', choices=MODELS,
        help='R50, T=8 models (TSM, the reference of the ratios, is always '
        'added); default: all four, or tdn with --backends')
    parser.add_argument(
        '--backends', nargs='+', default=['torch'],
        choices=['torch', 'onnxruntime', 'openvino'],
        help='eager PyTorch and/or the deployment runtimes (CPU)')
    parser.add_argument('--int8', action='store_true',
                        help='also the int8 graphs on the runtimes')
    parser.add_argument(
        '--int8-accuracy', nargs=2, metavar=('CONFIG', 'CHECKPOINT'),
        help='with --int8: top-1 of fp32 and int8 on the val list of '
        'this trained model')
    parser.add_argument('--size', type=int, default=224, help='input size')
    parser.add_argument(
        '--batch', type=int, default=8, help='batch of the throughput run')
    parser.add_argument(
        '--train-batch', type=int, default=2,
        help='batch of a training step (0: no training step)')
    parser.add_argument(
        '--repeats', type=int, default=5, help='timed rounds per figure')
    parser.add_argument(
        '--variants', nargs='+',
        choices=['fp32', 'amp', 'channels_last', 'amp+channels_last',
                 'compiled', 'cudagraphs'],
        help='PyTorch variants: eager (the first four; default: fp32 on '
        'CPU, all four on CUDA), compiled (torch.compile, inductor: '
        'compile seconds, then latency and training step, against TSM '
        'compiled the same way; on CPU it needs a C++ compiler) and '
        'cudagraphs (torch.compile mode="reduce-overhead", CUDA only)')
    from tdn_plugin.apis.data_benchmark import DECODERS, PIPELINES
    data = parser.add_argument_group(
        'data pipelines (the TDN and TSM K400 train and test pipelines, per '
        'clip and per data worker)')
    data.add_argument(
        '--pipeline-videos', type=int, default=2,
        help='generated Kinetics-like clips (340x256, 25/30 fps) per GOP '
        '(0: skip the data pipelines; default: %(default)s)')
    data.add_argument(
        '--pipeline-gops', type=int, nargs='+', default=[250, 12],
        metavar='G', help='a clip set per keyframe interval (default: 250, '
        'long as in Kinetics, and 12)')
    data.add_argument('--pipeline-seconds', type=float, default=10.0,
                      metavar='S', help='length of the generated clips '
                      '(default: %(default)s)')
    data.add_argument(
        '--pipeline-clips', nargs='+', metavar='VIDEO',
        help='your videos or folders of videos instead of generated clips')
    data.add_argument('--pipelines', nargs='+', choices=PIPELINES,
                      default=list(PIPELINES), metavar='P',
                      help=f'of {", ".join(PIPELINES)} (default: all)')
    data.add_argument(
        '--decoders', nargs='+', choices=DECODERS, default=list(DECODERS),
        help="stock: MMAction2's DecordDecode; walk: DecordWalkDecode; "
        'rawframes: the frames as JPEG files, RawFrameDecode (default: '
        'all)')
    data.add_argument(
        '--train-rate', type=float, metavar='CLIPS_PER_S',
        help='clips/s one GPU trains, for the data workers each train '
        "pipeline needs (default with --device cuda: each model's "
        'measured training step)')
    data.add_argument('--pipelines-only', action='store_true',
                      help='time the data pipelines only, not the models')
    parser.add_argument(
        '--threads', type=int,
        help='CPU threads (default: OMP_NUM_THREADS, else all cores; '
        'the choice is printed, and a warning when other work competes)')
    parser.add_argument(
        '--profile', action='store_true',
        help='also where each eager model\'s inference time goes (CPU, '
        'torch.profiler): by part (stem, S-TDM, stages, temporal modules, '
        'head) and by kind of op (convolutions, matrix products, pooling, '
        'other ops)')
    parser.add_argument('--json', help='also write the results here')
    add_overwrite_argument(parser)


def _int8_top1(config: str, checkpoint: str) -> dict:
    """Top-1 of fp32 and int8 and the change, as ``tdn export --openvino
    --int8 --eval-clips 1000`` measures them (in a temporary folder)."""
    import os.path as osp
    import tempfile

    from tdn_plugin.deploy.export import export_config

    from .utils import load_config
    with tempfile.TemporaryDirectory() as folder:
        report = export_config(config, load_config(config), checkpoint,
                               osp.join(folder, 'model.onnx'), openvino=True,
                               int8=True, eval_clips=1000)
    if 'top1' not in report:
        raise UsageError(f'{config}: no val or test list here to measure '
                         'top-1')
    return report['top1']


def main(args: argparse.Namespace) -> int:
    import json

    import torch

    from tdn_plugin.apis.benchmark import print_result, run_benchmark
    from tdn_plugin.utils.checks import check_output_file
    from tdn_plugin.utils.timing import set_threads
    if args.device == 'cuda' and not torch.cuda.is_available():
        raise UsageError('--device cuda but CUDA is not available')
    if args.device == 'cuda' and set(args.backends) - {'torch'}:
        raise UsageError('--backends other than torch run on the CPU; leave '
                         'out --device cuda')
    if args.profile and (args.device == 'cuda' or
                         'torch' not in args.backends):
        raise UsageError('--profile profiles eager PyTorch on the CPU: use '
                         'it with --backends torch and without --device '
                         'cuda')
    variants = set(args.variants or ())
    if variants & {'compiled', 'cudagraphs'} and \
            'torch' not in args.backends:
        raise UsageError('--variants compiled/cudagraphs compile PyTorch '
                         'models: add torch to --backends')
    if 'cudagraphs' in variants and args.device != 'cuda':
        raise UsageError('--variants cudagraphs records CUDA graphs: use it '
                         'with --device cuda (on the CPU: compiled)')
    if 'compiled' in variants and args.device == 'cpu':
        from tdn_plugin.utils.checks import check_compiler
        check_compiler(True)
    if args.train_rate is not None and args.train_rate <= 0:
        raise UsageError('--train-rate must be > 0 (clips/s per GPU)')
    if min(args.pipeline_gops) < 1 or args.pipeline_seconds <= 0 or \
            args.pipeline_videos < 0:
        raise UsageError('--pipeline-gops and --pipeline-seconds must be '
                         '> 0, --pipeline-videos >= 0')
    clips = None
    if args.pipeline_clips:
        import os

        from tdn_plugin.utils.errors import MissingFileError
        from tdn_plugin.utils.video_io import list_videos
        clips = list_videos(args.pipeline_clips)
        missing = [c for c in clips if not os.path.isfile(c)]
        if missing or not clips:
            raise MissingFileError('--pipeline-clips: ' + (
                f'video not found: {missing[0]}' if missing else
                'no videos in ' + ' '.join(args.pipeline_clips)))
    if args.json:
        check_output_file(args.json)
    print(f'tdn benchmark: {set_threads(args.threads)}, CPU capability '
          f'{torch.backends.cpu.get_cpu_capability()}', flush=True)
    models = args.models or (MODELS if args.backends == ['torch'] else
                             ['tdn'])
    models = list(dict.fromkeys(models + ['tsm']))
    data = dict(gops=args.pipeline_gops, seconds=args.pipeline_seconds,
                videos=clips, pipelines=args.pipelines,
                decoders=args.decoders)
    result = run_benchmark(
        models, device=args.device, backends=args.backends,
        variants=args.variants, pipeline_videos=args.pipeline_videos
        if 'torch' in args.backends or args.pipelines_only else 0,
        models=not args.pipelines_only, data=data,
        train_rate=args.train_rate, size=args.size, batch=args.batch,
        train_batch=args.train_batch or 2, train=args.train_batch > 0,
        repeats=args.repeats, int8=args.int8, profile=args.profile)
    if args.int8 and args.int8_accuracy:
        result['int8_top1'] = _int8_top1(*args.int8_accuracy)
    print_result(result)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=2)
        print(f'\nwritten: {args.json}')
    return 0
