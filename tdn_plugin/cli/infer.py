"""``tdn infer``: classify videos with a config and a checkpoint (PyTorch)
or its exported graph (ONNX Runtime, OpenVINO)."""
import argparse
import os
import os.path as osp
import sys
import tempfile

from .utils import add_config_arguments

HELP = 'classify videos: top-5 classes, annotated video, JSON scores'


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_arguments(parser)
    parser.add_argument(
        'checkpoint',
        help='.pth checkpoint of the config (with --model: the checkpoint '
        'the graph was exported from, checked; "-" skips the check)')
    parser.add_argument('videos', nargs='+', metavar='VIDEO',
                        help='video files or folders of videos')
    parser.add_argument('--labels', help='class names, one a line')
    parser.add_argument(
        '--views', choices=['1x1', '3crop', '10x3'],
        help='test protocol (default: the config\'s test pipeline)')
    parser.add_argument(
        '--backend', choices=['torch', 'onnxruntime', 'openvino'],
        default='torch')
    parser.add_argument(
        '--model',
        help='exported graph (.onnx, or .xml for openvino) made by `tdn '
        'export` from this config; default: export the checkpoint now')
    parser.add_argument(
        '--out', help='annotated copy of the video (.mp4), or a folder for '
        'several videos')
    parser.add_argument('--json', help='write all scores here')
    parser.add_argument('--threads', type=int,
                        help='inference threads (default: the backend\'s)')
    parser.add_argument('--no-progress', action='store_true',
                        help='no progress bar over several videos')


def _runtime_scorer(args, cfg, model, pipeline, videos):
    from tdn_plugin.apis.inference import RuntimeScorer
    from tdn_plugin.deploy.metadata import (
        check_frames,
        check_metadata,
        expected_metadata,
        file_sha256,
        view_chunks,
    )
    from tdn_plugin.deploy.runtimes import open_runtime
    from tdn_plugin.utils.complexity import frames_per_view
    path = args.model
    if path is None:  # export the checkpoint for this run
        with tempfile.TemporaryDirectory(prefix='tdn_infer_') as tmp:
            # the runtimes hold the graph in memory once opened
            path = _export_for_run(args, cfg, pipeline, videos, tmp)
            runtime = open_runtime(path, args.backend, args.threads)
    else:
        runtime = open_runtime(path, args.backend, args.threads)
    meta = runtime.metadata
    check_metadata(meta, expected_metadata(
        args.config, model.cls_head.num_classes,
        frames_per_view(model, cfg)), path)
    if args.model is not None and args.checkpoint != '-':
        if not osp.isfile(args.checkpoint):
            raise FileNotFoundError(
                f'checkpoint not found: {args.checkpoint}')
        if meta.get('checkpoint_sha256') not in (
                None, file_sha256(args.checkpoint)):
            raise ValueError(f'{path} was exported from another checkpoint '
                             f'than {args.checkpoint}')
    return RuntimeScorer(runtime, pipeline, model.data_preprocessor,
                         lambda shape, video: check_frames(meta, shape, video),
                         view_chunks(meta))


def _export_for_run(args, cfg, pipeline, videos, folder: str) -> str:
    from mmengine.dataset import Compose

    from tdn_plugin.apis.inference import (
        VideoError,
        load_clip,
        load_recognizer,
        preprocess,
    )
    from tdn_plugin.deploy.graph import export_onnx, to_openvino
    from tdn_plugin.deploy.metadata import graph_metadata
    from tdn_plugin.utils.complexity import frames_per_view
    model = load_recognizer(cfg, args.checkpoint)
    for video in videos:  # the graph's input size: the first good video's
        try:
            clip = load_clip(Compose(pipeline), video)
            break
        except VideoError:
            continue
    else:
        raise ValueError('none of the videos can be decoded')
    # one view traced: the views axis is dynamic, or the graph is fed one
    # view a call
    example = preprocess(model.data_preprocessor, clip)[:frames_per_view(
        model, cfg)]
    meta = graph_metadata(args.config, model, tuple(example.shape))
    path = export_onnx(model, example, osp.join(folder, 'model.onnx'),
                       metadata=meta)
    if args.backend == 'openvino':
        path = to_openvino(path, osp.join(folder, 'model.xml'), meta)
    return path


def _annotated_path(out: str, video: str, several: bool) -> str:
    if not several and not osp.isdir(out):
        return out
    return osp.join(out, osp.splitext(osp.basename(video))[0] + '.mp4')


def main(args: argparse.Namespace) -> int:
    import json

    from tdn_plugin.apis.inference import first_line
    from tdn_plugin.utils.checks import CheckpointMismatchError

    from .utils import load_config
    cfg = load_config(args.config, args.cfg_options)
    try:
        return _run(args, cfg, json)
    except ImportError as e:
        raise SystemExit(f'tdn infer: {first_line(e)} (install the deploy '
                         "extra: pip install 'tdn_plugin[deploy]')")
    except CheckpointMismatchError as e:
        raise SystemExit(f'tdn infer: {first_line(e)}')
    except (OSError, ValueError, RuntimeError) as e:
        raise SystemExit(f'tdn infer: {first_line(e)}')


def _run(args, cfg, json) -> int:
    from tqdm import tqdm

    from tdn_plugin.apis.inference import (
        TorchScorer,
        apply_views,
        bound_testing_views,
        classify_videos,
        list_videos,
        load_recognizer,
        read_labels,
        video_test_pipeline,
    )
    from tdn_plugin.utils.complexity import frames_per_view
    from tdn_plugin.visualization.annotated_video import write_annotated_video
    cfg = apply_views(cfg, args.views)
    videos = list_videos(args.videos)
    if not videos:
        raise ValueError(f'no videos in {" ".join(args.videos)}')
    several = len(videos) > 1
    if args.out and several:
        os.makedirs(args.out, exist_ok=True)
    pipeline = video_test_pipeline(cfg)
    if args.backend == 'torch':
        if args.model:
            raise ValueError('--model needs --backend onnxruntime or openvino')
        model = load_recognizer(cfg, args.checkpoint)
        bound_testing_views(model, frames_per_view(model, cfg))
        scorer = TorchScorer(model, pipeline)
    else:
        model = load_recognizer(cfg, None)  # facts and preprocessor only
        scorer = _runtime_scorer(args, cfg, model, pipeline, videos)
    num_classes = model.cls_head.num_classes
    labels = read_labels(args.labels, num_classes) if args.labels else None

    def report(video: str, result: dict) -> None:
        lines = [video] + [f'  {score:.4f}  {name}'
                           for name, score in result['top5']]
        tqdm.write('\n'.join(lines))
        if args.out:
            name, score = result['top5'][0]
            path = _annotated_path(args.out, video, several)
            write_annotated_video(video, path, f'{name} {score:.2f}')
            result['annotated'] = path
            tqdm.write(f'  annotated: {path}')

    done = {}

    def keep(video: str, result: dict) -> None:
        report(video, result)
        done[video] = result

    errors = {}
    try:
        _, errors = classify_videos(
            scorer, videos, labels,
            progress=several and not args.no_progress, on_result=keep)
    finally:  # a run stopped by an error keeps the videos already done
        if args.json and (done or errors):
            with open(args.json, 'w') as f:
                json.dump(dict(config=args.config, backend=args.backend,
                               model=args.model or args.checkpoint,
                               labels=labels, results=done, errors=errors),
                          f, indent=2)
            print(f'scores: {args.json}')
    for video, error in errors.items():
        print(f'tdn infer: {error}', file=sys.stderr)
    return 1 if errors else 0
