"""``tdn infer``: arguments and printing of
:class:`tdn_plugin.apis.TDNInferencer`."""
import argparse
import sys

from tqdm import tqdm

from tdn_plugin.deploy.runtimes import BACKENDS
from tdn_plugin.utils.views import VIEWS

from .utils import (
    add_config_arguments,
    add_overwrite_argument,
    add_threads_argument,
    load_config,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_arguments(parser)
    parser.add_argument(
        'checkpoint', help='.pth checkpoint of the config (with --model: the '
        'checkpoint the graph was exported from, checked; "-": no check)')
    parser.add_argument('videos', nargs='+', metavar='VIDEO',
                        help='video files or folders of videos')
    parser.add_argument('--labels', help='class names, one a line')
    parser.add_argument('--views', choices=VIEWS, help='test protocol '
                        "(default: the config's test pipeline)")
    parser.add_argument('--backend', choices=('torch', ) + BACKENDS,
                        default='torch')
    parser.add_argument(
        '--model',
        help='exported graph (.onnx, or .xml for openvino) made by `tdn '
        'export` from this config; default: export the checkpoint now')
    parser.add_argument(
        '--out', help='annotated copies of the videos: a folder (NAME.EXT '
        'gives NAME_EXT.mp4, numbered if taken), or an .mp4 for one video')
    parser.add_argument('--json', help='write all scores here')
    add_threads_argument(parser, "inference threads (default: the "
                         "backend's)")
    parser.add_argument('--no-progress', action='store_true',
                        help='no progress bar over several videos')
    add_overwrite_argument(parser)


def _print(result: dict) -> None:
    if 'error' in result:
        return  # listed on stderr at the end
    lines = [result['video']] + [f'  {score:.4f}  {name}'
                                 for name, score in result['top5']]
    if 'annotated' in result:
        lines.append(f'  annotated: {result["annotated"]}')
    tqdm.write('\n'.join(lines))  # above the progress bar


def main(args: argparse.Namespace) -> int:
    from tdn_plugin.apis import TDNInferencer
    inferencer = TDNInferencer(
        load_config(args.config, args.cfg_options),
        None if args.checkpoint == '-' else args.checkpoint,
        backend=args.backend, views=args.views, model_file=args.model,
        labels=args.labels, threads=args.threads,
        show_progress=not args.no_progress)
    try:
        result = inferencer(args.videos, vid_out_dir=args.out or '',
                            pred_out_file=args.json or '', on_result=_print,
                            overwrite=args.overwrite)
    finally:
        if args.json:
            print(f'scores: {args.json}')
    for video, error in result['errors'].items():
        print(f'tdn infer: {error}', file=sys.stderr)
    return 1 if result['errors'] else 0
