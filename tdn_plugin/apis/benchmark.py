"""Side-by-side speed of TDN, GTDNet and MMAction2's TSM and TSN: PyTorch
eager and, as an option, the deployment backends (ONNX Runtime, OpenVINO;
float32 and int8).

Every figure is measured in one process by the shared timer
(:func:`tdn_plugin.utils.timing.time_side_by_side`: the tasks take turns
in a shuffled order each round, so a noisy machine slows them alike) and
reported as min / median / max, as a ratio to TSM measured in the same run
and round by round against it. Eager inference times each model's
inference form (:func:`tdn_plugin.models.fuse_for_inference`, TSM's as
well) with :func:`tdn_plugin.utils.timing.inference_task`; a training step
is the model as built, in train mode, one SGD step. The graphs of the
backends are exported from the model as built. Weights are random (speed
only); the int8 graphs of this benchmark are calibrated on random clips,
so their accuracy is not what this measures (see :func:`int8_top1_change`).
"""
import os
import os.path as osp
import statistics
import tempfile
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
import torch

SEGMENTS = 8
NUM_CLASSES = 174
BACKENDS = ('torch', 'onnxruntime', 'openvino')


def _head(**kwargs) -> dict:
    return dict(type='TSMHead', num_classes=NUM_CLASSES, in_channels=2048,
                num_segments=SEGMENTS, is_shift=True, **kwargs)


# R50, T=8, as in the sthv1 configs; backbone + head is what is timed
MODELS = {
    'tdn': dict(
        type='TDNRecognizer',
        backbone=dict(type='ResNetTDN', depth=50, num_segments=SEGMENTS,
                      pretrained=None),
        cls_head=_head()),
    'gtdnet': dict(
        type='Recognizer2D',
        backbone=dict(type='ResNetGTD', depth=50, num_segments=SEGMENTS,
                      pretrained=None),
        cls_head=_head()),
    'tsm': dict(
        type='Recognizer2D',
        backbone=dict(type='ResNetTSM', depth=50, num_segments=SEGMENTS,
                      pretrained=None, pretrained2d=False),
        cls_head=_head()),
    'tsn': dict(
        type='Recognizer2D',
        backbone=dict(type='ResNet', depth=50, pretrained=None),
        cls_head=dict(type='TSNHead', num_classes=NUM_CLASSES,
                      in_channels=2048)),
}


def frames_per_view(model: torch.nn.Module) -> int:
    """T x F frames; TSN's plain ResNet reads the T = 8 frames."""
    from tdn_plugin.utils.views import frames_per_view as frames
    return frames(model, default=SEGMENTS)


def build(name: str) -> torch.nn.Module:
    """The model ``name`` of :data:`MODELS` (construction weights)."""
    from mmaction.registry import MODELS as REGISTRY

    import tdn_plugin
    tdn_plugin.register_all_modules(init_default_scope=True)
    return REGISTRY.build(MODELS[name])


def _train_task(model: torch.nn.Module, x: torch.Tensor, device: str,
                amp: bool) -> Callable[[], None]:
    """One SGD step of ``model`` (train mode) on ``x``."""
    labels = torch.randint(0, NUM_CLASSES, (x.shape[0], ), device=device)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9)
    dtype = torch.float16 if device == 'cuda' else torch.bfloat16

    def step() -> None:
        with torch.autocast(device, enabled=amp, dtype=dtype):
            scores, _ = model.extract_feat(x, stage='head')
            loss = torch.nn.functional.cross_entropy(scores.float(), labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    return step


def _input(model: torch.nn.Module, batch: int, size: int, device: str,
           channels_last: bool = False) -> torch.Tensor:
    frames = frames_per_view(model)
    x = torch.randn(batch * frames, 3, size, size, device=device)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    return x.view(batch, frames, 3, size, size)


def _eager_tasks(names: Sequence[str], variant: str, size: int, batch: int,
                 train_batch: int,
                 device: str) -> Dict[str, Dict[str, Callable]]:
    """kind ('latency', 'throughput', 'train') -> task key -> task, for
    one eager variant (fp32, amp, channels_last, amp+channels_last) of
    freshly built models."""
    from tdn_plugin.models import fuse_for_inference
    from tdn_plugin.utils.timing import inference_task
    amp, channels_last = 'amp' in variant, 'channels_last' in variant
    memory_format = torch.channels_last if channels_last else \
        torch.contiguous_format
    tasks = dict(latency={}, throughput={}, train={})
    for name in names:
        model = build(name).to(device, memory_format=memory_format)
        key = f'{name}/torch' + ('' if variant == 'fp32' else f'-{variant}')
        fused = fuse_for_inference(model)
        for kind, clips in (('latency', 1), ('throughput', batch)):
            task = inference_task(
                fused, _input(model, clips, size, device, channels_last))
            tasks[kind][key] = _autocast(task, device, amp)
        tasks['train'][key] = _train_task(
            model.train(), _input(model, train_batch, size, device,
                                  channels_last), device, amp)
    return tasks


def _autocast(task: Callable[[], None], device: str,
              amp: bool) -> Callable[[], None]:
    if not amp:
        return task
    dtype = torch.float16 if device == 'cuda' else torch.bfloat16

    def run() -> None:
        with torch.autocast(device, dtype=dtype):
            task()

    return run


def _graph_tasks(name: str, model: torch.nn.Module, size: int, batch: int,
                 backends: Sequence[str], int8: bool, calib_clips: int,
                 threads: int, folder: str) -> Dict[str, Dict[str, Callable]]:
    """kind -> task key -> task of one model's graphs on the runtimes
    ('onnxruntime', 'openvino', each also '-int8'); a call's clips are the
    graph's views of one input (the same work as a batch)."""
    from tdn_plugin.deploy.graph import export_onnx
    from tdn_plugin.deploy.quantize import quantize_int8
    from tdn_plugin.deploy.runtimes import OnnxRuntimeModel, OpenVinoModel
    frames = frames_per_view(model)
    onnx_path = osp.join(folder, f'{name}.onnx')
    export_onnx(model.eval(), torch.randn(frames, 3, size, size), onnx_path)
    paths = {'': onnx_path}
    rng = np.random.default_rng(0)
    if int8:
        paths['-int8'] = quantize_int8(
            onnx_path, osp.join(folder, f'{name}.int8.onnx'),
            (rng.standard_normal((frames, 3, size, size), dtype=np.float32)
             for _ in range(calib_clips)))
    inputs = {kind: rng.standard_normal((clips * frames, 3, size, size),
                                        dtype=np.float32)
              for kind, clips in (('latency', 1), ('throughput', batch))}
    tasks = dict(latency={}, throughput={})
    for suffix, path in paths.items():
        runtimes = {}
        if 'onnxruntime' in backends:
            runtimes['onnxruntime'] = OnnxRuntimeModel(path, threads)
        if 'openvino' in backends:
            runtimes['openvino'] = OpenVinoModel(path, threads)
        for backend, runtime in runtimes.items():
            for kind, x in inputs.items():
                tasks[kind][f'{name}/{backend}{suffix}'] = (
                    lambda r=runtime, x=x: r(x))
    return tasks


def _rows(timed: Dict[str, dict], batch: int, train_batch: int,
          frames: Dict[str, int]) -> List[dict]:
    """One row per task key, with its ratios to TSM (same backend and
    variant, by medians and round by round, wall and CPU time; and to
    eager fp32 TSM) and to its own eager fp32 model."""
    rows = []
    for key, latency in timed['latency'].items():
        name, backend = key.split('/')
        row = dict(model=name, backend=backend, frames_per_view=frames[name],
                   latency_ms=latency.median_ms,
                   latency_min_ms=latency.min_ms,
                   latency_max_ms=latency.max_ms,
                   latency_rounds_ms=latency.json()['rounds_ms'],
                   throughput_clips_per_s=batch * 1000 /
                   timed['throughput'][key].median_ms, batch=batch)
        peers = dict(latency_vs_tsm_torch='tsm/torch',
                     latency_vs_own_torch=f'{name}/torch')
        for field, peer_key in peers.items():
            peer = timed['latency'].get(peer_key)
            if peer is not None:
                row[field] = latency.median_ms / peer.median_ms
        train = timed['train'].get(key)
        if train is not None:
            row.update(train_step_ms=train.median_ms, train_batch=train_batch,
                       train_rounds_ms=train.json()['rounds_ms'])
        for kind, timing in (('latency', latency), ('train', train)):
            peer = timed[kind].get(f'tsm/{backend}')
            if timing is not None and peer is not None:
                row.update(_against(kind, timing, peer))
        rows.append(row)
    return rows


def _against(kind: str, timing, peer) -> dict:
    """``kind``'s ratios to the peer: of the medians, round by round, and
    of the CPU time round by round."""
    from tdn_plugin.utils.timing import paired_ratios
    ratio = 'train_vs_tsm' if kind == 'train' else 'latency_vs_tsm'
    found = {ratio: timing.median_ms / peer.median_ms,
             f'{kind}_vs_tsm_rounds': _spread(
                 paired_ratios(timing.seconds, peer.seconds)),
             f'{kind}_cpu_ms': timing.cpu_median_ms}
    if timing.cpu_seconds and peer.cpu_seconds:
        found[f'{kind}_cpu_vs_tsm_rounds'] = _spread(
            paired_ratios(timing.cpu_seconds, peer.cpu_seconds))
    return found


def _spread(values: Sequence[float]) -> dict:
    return dict(median=statistics.median(values), min=min(values),
                max=max(values))


def benchmark_models(names: Sequence[str],
                     device: str = 'cpu',
                     backends: Sequence[str] = ('torch', ),
                     variants: Sequence[str] = ('fp32', ),
                     size: int = 224,
                     batch: int = 8,
                     train_batch: int = 2,
                     repeats: int = 5,
                     warmup: int = 1,
                     train: bool = True,
                     int8: bool = False,
                     calib_clips: int = 2,
                     folder: Optional[str] = None) -> dict:
    """Latency (batch 1), throughput (``batch`` clips a call) and, eager,
    the training step (``train_batch``) of each model on each backend, all
    side by side in one run, with how busy the machine was.

    Args:
        names (Sequence[str]): Names in :data:`MODELS`; 'tsm' is the
            reference of the ratios.
        device (str): 'cpu' or 'cuda' (eager only). Defaults to 'cpu'.
        backends (Sequence[str]): Of :data:`BACKENDS`. Defaults to
            ('torch', ).
        variants (Sequence[str]): Eager variants: fp32, amp,
            channels_last, amp+channels_last. Defaults to ('fp32', ).
        size (int): Input size. Defaults to 224.
        batch (int): Clips per throughput call. Defaults to 8.
        train_batch (int): Clips per training step. Defaults to 2.
        repeats (int): Timed rounds. Defaults to 5.
        warmup (int): Untimed rounds first. Defaults to 1.
        train (bool): Time the training step too. Defaults to True.
        int8 (bool): Also the int8 graphs (ONNX Runtime static QDQ) on the
            runtimes. Defaults to False.
        calib_clips (int): Random clips calibrating the int8 graphs.
            Defaults to 2.
        folder (str, optional): Keep the graphs here; default: a temporary
            folder.

    Returns:
        dict: ``rows`` (model, backend, latency_ms, latency_vs_tsm,
        latency_vs_tsm_rounds, throughput_clips_per_s, train_step_ms,
        train_vs_tsm ...), ``load``, ``warning``.
    """
    from tdn_plugin.utils.timing import LoadMonitor, time_side_by_side
    tasks = dict(latency={}, throughput={}, train={})
    frames = {}
    with tempfile.TemporaryDirectory() as temporary:
        for variant in (variants if 'torch' in backends else ()):
            for kind, found in _eager_tasks(names, variant, size, batch,
                                            train_batch, device).items():
                tasks[kind].update(found)
        for name in names:
            model = build(name)
            frames[name] = frames_per_view(model)
            if set(backends) - {'torch'}:
                for kind, found in _graph_tasks(
                        name, model, size, batch, backends, int8,
                        calib_clips, torch.get_num_threads(),
                        folder or temporary).items():
                    tasks[kind].update(found)
        if not train:
            tasks['train'] = {}
        with LoadMonitor() as load:
            timed = {kind: time_side_by_side(found, repeats, warmup,
                                             device=device)
                     for kind, found in tasks.items()}
    return dict(rows=_rows(timed, batch, train_batch, frames),
                load=load.json(), warning=load.warning())


def int8_top1_change(config_path: str, checkpoint: str,
                     calib_clips: int = 64, eval_clips: int = 1000,
                     log: Callable[[str], None] = print) -> dict:
    """Top-1 of a trained model's float32 and int8 graphs on its config's
    val list (the int8 graph calibrated on ``calib_clips`` val clips, as
    ``tdn export --int8`` does).

    Args:
        config_path (str): The config (its val list must be there).
        checkpoint (str): Its trained weights.
        calib_clips (int): Calibration clips. Defaults to 64.
        eval_clips (int): Val clips evaluated (spread over the list).
            Defaults to 1000.
        log (Callable): Progress lines. Defaults to print.

    Returns:
        dict: ``fp32``, ``int8`` (and ``int8_openvino``) top-1 in percent,
        ``clips``, ``change`` (int8 - fp32, points).
    """
    from mmengine.config import Config

    import tdn_plugin
    from tdn_plugin.deploy.export import export_config
    from tdn_plugin.utils.config_path import resolve_config
    tdn_plugin.register_all_modules()
    cfg = Config.fromfile(resolve_config(config_path))
    with tempfile.TemporaryDirectory() as folder:
        report = export_config(
            config_path, cfg, checkpoint, osp.join(folder, 'model.onnx'),
            openvino=True, int8=True, calib_clips=calib_clips,
            eval_clips=eval_clips, log=log)
    top1 = report.get('top1')
    if top1 is None:
        raise ValueError(f'{config_path}: no val or test list here to measure '
                         'top-1')
    top1['change'] = top1['int8'] - top1['fp32']
    top1['change_openvino'] = top1['int8_openvino'] - top1['fp32']
    return top1


PIPELINES = {
    # sthv1/sthv2-style train pipeline after the sampler
    'sth': [
        dict(type='DecordDecode'),
        dict(type='Resize', scale=(-1, 256)),
        dict(type='MultiScaleCrop', input_size=224,
             scales=(1, 0.875, 0.75, 0.66), random_crop=False,
             max_wh_scale_gap=1, num_fixed_crops=13),
        dict(type='Resize', scale=(224, 224), keep_ratio=False),
        dict(type='Flip', flip_ratio=0.5),
        dict(type='FormatShape', input_format='NCHW'),
    ],
}
SAMPLERS = {
    'tdn': dict(type='TDNSampleFrames', num_segments=SEGMENTS),
    'tsn': dict(type='SampleFrames', clip_len=1, frame_interval=1,
                num_clips=SEGMENTS),
}


def make_videos(directory: str, count: int, size: int,
                frames: Sequence[int]) -> List[str]:
    """``count`` toy motion videos of ``size`` x ``size`` pixels."""
    from tdn_plugin.datasets.toy_motion import make_toy_motion
    per_class = max(1, -(-count // 10))
    make_toy_motion(directory, videos_per_class=per_class, val_per_class=0,
                    size=size, num_frames_range=tuple(frames),
                    progress=False, verify=False)
    videos = sorted(os.listdir(os.path.join(directory, 'videos')))
    return [os.path.join(directory, 'videos', v) for v in videos[:count]]


def benchmark_pipelines(videos: Sequence[str], repeats: int = 3) -> List[dict]:
    """Clips per second of TDN's and TSN's train pipelines on the same
    video files (decode included)."""
    from mmaction.registry import TRANSFORMS
    from mmcv.transforms import Compose

    import tdn_plugin
    from tdn_plugin.utils.timing import time_side_by_side
    from tdn_plugin.utils.views import sampler_frames_per_view
    tdn_plugin.register_all_modules(init_default_scope=True)
    pipelines = {
        name: Compose([TRANSFORMS.build(dict(type='DecordInit')),
                       TRANSFORMS.build(sampler)] +
                      [TRANSFORMS.build(t) for t in PIPELINES['sth']])
        for name, sampler in SAMPLERS.items()
    }

    def run(pipeline):
        for video in videos:
            pipeline(dict(filename=video, start_index=0, modality='RGB'))

    timed = time_side_by_side({n: (lambda p=p: run(p))
                               for n, p in pipelines.items()}, repeats, 1)
    rows = []
    for name, t in timed.items():
        s = t.median_ms / 1000
        rows.append(dict(pipeline=name,
                         frames_per_clip=sampler_frames_per_view(
                             SAMPLERS[name]),
                         ms_per_clip=1000 * s / len(videos),
                         clips_per_s=len(videos) / s))
    for row in rows:
        row['time_vs_tsn'] = row['ms_per_clip'] / next(
            r['ms_per_clip'] for r in rows if r['pipeline'] == 'tsn')
    return rows


def run_benchmark(names: Sequence[str], device: str = 'cpu',
                  backends: Sequence[str] = ('torch', ),
                  variants: Optional[Sequence[str]] = None,
                  pipeline_videos: int = 16, video_size: int = 256,
                  video_frames: Sequence[int] = (48, 96),
                  **kwargs) -> dict:
    """:func:`benchmark_models` (and the data pipelines), with the machine,
    the package versions and what was timed.

    Args:
        names (Sequence[str]): Names in :data:`MODELS`.
        device (str): 'cpu' or 'cuda'. Defaults to 'cpu'.
        backends (Sequence[str]): Of :data:`BACKENDS`. Defaults to
            ('torch', ).
        variants (Sequence[str], optional): Eager variants; default fp32 on
            CPU, all four on CUDA.
        pipeline_videos (int): Toy videos for the pipeline benchmark (0:
            skip it). Defaults to 16.
        video_size (int): Their size. Defaults to 256.
        video_frames (Sequence[int]): Their frame-count range. Defaults to
            (48, 96).
        **kwargs: ``size``, ``batch``, ``train_batch``, ``repeats``,
            ``train``, ``int8``, ``calib_clips``, ``folder`` of
            :func:`benchmark_models`.

    Returns:
        dict: ``machine``, ``settings``, ``rows``, ``load``, ``warning``
        (and ``pipelines``).
    """
    from tdn_plugin.utils.timing import PAUSE_S, machine_info, package_versions
    if variants is None:
        variants = ('fp32', ) if device == 'cpu' else (
            'fp32', 'amp', 'channels_last', 'amp+channels_last')
    kwargs.setdefault('train', 'torch' in backends)
    result = benchmark_models(names, device, backends, variants, **kwargs)
    settings = dict(size=kwargs.get('size', 224), segments=SEGMENTS,
                    batch=kwargs.get('batch', 8),
                    train_batch=kwargs.get('train_batch', 2),
                    repeats=kwargs.get('repeats', 5),
                    threads=torch.get_num_threads(), backends=list(backends),
                    int8=kwargs.get('int8', False))
    settings.update(
        mode='eager inference: the fuse_for_inference form under '
        'inference_mode; train: the model as built, one SGD step; '
        'graphs: exported from the model as built',
        timed='backbone + head on one input per task made once; '
        'min/median/max over rounds, tasks in a shuffled order each round, '
        f'each after an untimed {PAUSE_S} s pause')
    result = dict(machine=dict(machine_info(device), **package_versions()),
                  settings=settings, **result)
    if pipeline_videos:
        with tempfile.TemporaryDirectory() as tmp:
            videos = make_videos(tmp, pipeline_videos, video_size,
                                 video_frames)
            result['pipelines'] = benchmark_pipelines(
                videos, settings['repeats'])
            settings.update(video_size=video_size,
                            video_frames=list(video_frames),
                            pipeline_videos=len(videos))
    return result


def _ratio(row: dict, key: str) -> str:
    value = row.get(key)
    return f'{value:6.3f}' if value is not None else f'{"-":>6s}'


def _round_by_round(row: dict) -> str:
    parts = []
    for kind in ('latency', 'train', 'latency_cpu', 'train_cpu'):
        pairs = row.get(f'{kind}_vs_tsm_rounds')
        if pairs and row['model'] != 'tsm':
            parts.append(f'{kind.replace("_", " ")} x TSM round by round: '
                         f'median {pairs["median"]:.3f}, min '
                         f'{pairs["min"]:.3f}, max {pairs["max"]:.3f}')
    return f'\n{"":8s}{"; ".join(parts)}' if parts else ''


def format_result(result: dict) -> str:
    """The benchmark as text: the machine (CPU capability, oneDNN's ISA),
    what was timed, the table, the load."""
    from tdn_plugin.utils.timing import LoadMonitor
    settings, machine = result['settings'], result['machine']
    lines = [f'machine: {machine}',
             f'CPU capability: {machine.get("cpu_capability")}; oneDNN ISA: '
             f'{machine.get("onednn_isa")}',
             f'timed: {settings["timed"]}; {settings["mode"]}; input '
             f'{settings["size"]}x{settings["size"]}, T={settings["segments"]}'
             f', latency batch 1, throughput batch {settings["batch"]}, train '
             f'batch {settings["train_batch"]}, threads: '
             f'{settings["threads"]}, {settings["repeats"]} rounds',
             LoadMonitor.text(result.get('load') or {}), '',
             f'{"model":7s} {"backend":26s} {"latency ms":>10s} '
             f'{"x TSM":>6s} {"x TSM torch":>11s} {"clips/s":>8s} '
             f'{"train ms":>9s} {"x TSM":>6s}']
    for r in result['rows']:
        train = r.get('train_step_ms')
        lines.append(
            f'{r["model"]:7s} {r["backend"]:26s} {r["latency_ms"]:10.1f} '
            f'{_ratio(r, "latency_vs_tsm")} '
            f'{_ratio(r, "latency_vs_tsm_torch"):>11s} '
            f'{r["throughput_clips_per_s"]:8.2f} '
            f'{train if train is not None else float("nan"):9.1f} '
            f'{_ratio(r, "train_vs_tsm")}{_round_by_round(r)}')
    if result.get('pipelines'):
        lines += ['', f'{"pipeline":8s} {"frames":>6s} {"ms/clip":>8s} '
                  f'{"clips/s":>8s} {"x TSN":>6s}']
        for r in result['pipelines']:
            lines.append(f'{r["pipeline"]:8s} {r["frames_per_clip"]:6d} '
                         f'{r["ms_per_clip"]:8.1f} {r["clips_per_s"]:8.2f} '
                         f'{r["time_vs_tsn"]:6.3f}')
    if result.get('int8_top1'):
        top1 = result['int8_top1']
        lines += ['', f'int8 top-1 on {top1["clips"]} {top1["split"]} clips: '
                  f'fp32 {top1["fp32"]:.2f}%, int8 onnxruntime '
                  f'{top1["int8"]:.2f}% ({top1["change"]:+.2f}), int8 '
                  f'openvino {top1["int8_openvino"]:.2f}% '
                  f'({top1["change_openvino"]:+.2f})']
    if result.get('warning'):
        lines += ['', f'warning: {result["warning"]}']
    return '\n'.join(lines)
