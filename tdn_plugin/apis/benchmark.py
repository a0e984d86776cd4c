"""Side-by-side speed of TDN, GTDNet and MMAction2's TSM and TSN.

Every figure is measured in one process by the shared timer
(:func:`tdn_plugin.utils.timing.time_side_by_side`: the models take turns
in a shuffled order each round, so a noisy machine slows them alike) and
reported as min / median / max and as a ratio to TSM measured in the same
run. Inference runs eager under ``torch.inference_mode`` on one input
tensor per model made once (not a fresh one per call). Where the kernel
time of a CPU run comes from is measured too: this process's system time
and minor page faults while timing. Measured on this project's 2-core
machine (TDN-R50, 224, batch 1, 8 calls): a fresh input per call under
``no_grad`` made 920k minor faults, the reused input under
``inference_mode`` 600k; the rest is glibc's malloc giving large
activation buffers back to the kernel after each forward (with
``MALLOC_MMAP_THRESHOLD_`` and ``MALLOC_TRIM_THRESHOLD_`` raised in the
environment: 165k faults, system time 1.5 s -> 0.1 s). That is a choice of
the user's environment (or an allocator such as jemalloc), not one this
library makes for them.
"""
import os
import statistics
import tempfile
from typing import Callable, Dict, List, Optional, Sequence

import torch

SEGMENTS = 8
NUM_CLASSES = 174


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
    from tdn_plugin.utils.complexity import frames_per_view as frames
    return frames(model, default=SEGMENTS)


def build(name: str) -> torch.nn.Module:
    from mmaction.registry import MODELS as REGISTRY
    from mmaction.utils import register_all_modules

    import tdn_plugin  # noqa: F401
    register_all_modules(init_default_scope=True)
    return REGISTRY.build(MODELS[name])  # construction init: timing only


def interleaved(tasks: Dict[str, Callable[[], None]], repeats: int,
                warmup: int, device: str) -> Dict[str, dict]:
    """min / median / max ms of each task, timed side by side."""
    from tdn_plugin.utils.timing import time_side_by_side
    timings = time_side_by_side(tasks, repeats, warmup, device=device)
    return {name: t.json() for name, t in timings.items()}


def model_tasks(models: Dict[str, torch.nn.Module], batch: int, size: int,
                device: str, train: bool, amp: bool = False,
                channels_last: bool = False) -> Dict[str, Callable]:
    """One inference forward (or training step) per call, for each model."""
    tasks = {}
    for name, model in models.items():
        frames = frames_per_view(model)
        x = torch.randn(batch * frames, 3, size, size, device=device)
        if channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        x = x.view(batch, frames, 3, size, size)
        labels = torch.randint(0, NUM_CLASSES, (batch, ), device=device)
        optimizer = torch.optim.SGD(model.parameters(), lr=1e-4,
                                    momentum=0.9) if train else None

        def step(model=model, x=x, labels=labels, optimizer=optimizer):
            with torch.autocast(device, enabled=amp,
                                dtype=torch.float16 if device == 'cuda'
                                else torch.bfloat16):
                if optimizer is None:
                    with torch.inference_mode():
                        model.extract_feat(x, stage='head', test_mode=True)
                    return
                scores, _ = model.extract_feat(x, stage='head')
                loss = torch.nn.functional.cross_entropy(
                    scores.float(), labels)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()

        tasks[name] = step
    return tasks


def benchmark_models(names: Sequence[str], device: str = 'cpu',
                     size: int = 224, batch: int = 8, train_batch: int = 2,
                     repeats: int = 5, warmup: int = 1,
                     variants: Sequence[str] = ('fp32', )) -> List[dict]:
    """Latency (batch 1), throughput (``batch``) and training step time
    (``train_batch``) of each model, for each variant (fp32, amp,
    channels_last, amp+channels_last)."""
    from tdn_plugin.utils.timing import paired_ratios
    rows = []
    for variant in variants:
        amp = 'amp' in variant
        channels_last = 'channels_last' in variant
        models = {}
        for name in names:
            model = build(name).to(device)
            if channels_last:
                model = model.to(memory_format=torch.channels_last)
            models[name] = model
        measured = {}
        for kind, bs, train in (('latency', 1, False),
                                ('throughput', batch, False),
                                ('train', train_batch, True)):
            for m in models.values():
                m.train(train)
            tasks = model_tasks(models, bs, size, device, train, amp,
                                channels_last)
            measured[kind] = interleaved(tasks, repeats, warmup, device)
        for name, model in models.items():
            latency = measured['latency'][name]
            rows.append(dict(
                model=name,
                variant=variant,
                frames_per_view=frames_per_view(model),
                latency_ms=latency['median_ms'],
                latency_min_ms=latency['min_ms'],
                latency_max_ms=latency['max_ms'],
                latency_rounds_ms=latency['rounds_ms'],
                throughput_clips_per_s=batch / measured['throughput'][name][
                    'median_ms'] * 1000,
                train_step_ms=measured['train'][name]['median_ms'],
                train_batch=train_batch,
                batch=batch))
        del models
    for row in rows:
        peer = next((r for r in rows if r['model'] == 'tsm'
                     and r['variant'] == row['variant']), None)
        if peer is not None:
            row['latency_vs_tsm'] = row['latency_ms'] / peer['latency_ms']
            pairs = paired_ratios(row['latency_rounds_ms'],
                                  peer['latency_rounds_ms'])
            row['latency_vs_tsm_rounds'] = dict(
                median=statistics.median(pairs), min=min(pairs),
                max=max(pairs))
            row['train_vs_tsm'] = row['train_step_ms'] / peer['train_step_ms']
    return rows


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
    from mmaction.utils import register_all_modules
    from mmcv.transforms import Compose

    import tdn_plugin  # noqa: F401
    register_all_modules(init_default_scope=True)
    pipelines = {
        name: Compose([TRANSFORMS.build(dict(type='DecordInit')),
                       TRANSFORMS.build(sampler)] +
                      [TRANSFORMS.build(t) for t in PIPELINES['sth']])
        for name, sampler in SAMPLERS.items()
    }

    def run(pipeline):
        for video in videos:
            pipeline(dict(filename=video, start_index=0, modality='RGB'))

    from tdn_plugin.utils.checks import sampler_frames_per_view
    timed = interleaved({n: (lambda p=p: run(p))
                         for n, p in pipelines.items()}, repeats, 1, 'cpu')
    rows = []
    for name, t in timed.items():
        s = t['median_ms'] / 1000
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
                  size: int = 224, batch: int = 8, train_batch: int = 2,
                  repeats: int = 5, variants: Optional[Sequence[str]] = None,
                  pipeline_videos: int = 16, video_size: int = 256,
                  video_frames: Sequence[int] = (48, 96)) -> dict:
    """Models (and data pipelines) side by side; with the machine, the
    package versions, what was timed and the load while timing."""
    from tdn_plugin.utils.timing import (
        PAUSE_S,
        LoadMonitor,
        machine_info,
        package_versions,
    )
    if variants is None:
        variants = ('fp32', ) if device == 'cpu' else (
            'fp32', 'amp', 'channels_last', 'amp+channels_last')
    result = dict(machine=dict(machine_info(device),
                               **package_versions()),
                  settings=dict(size=size, segments=SEGMENTS, batch=batch,
                                train_batch=train_batch, repeats=repeats,
                                threads=torch.get_num_threads(),
                                mode='eager; inference: inference_mode, '
                                'train: SGD step',
                                timed='backbone + head on one input tensor '
                                'per model made once; min/median/max over '
                                'rounds, models in a shuffled order each '
                                f'round, each after an untimed {PAUSE_S} s '
                                'pause'))
    with LoadMonitor() as load:
        result['models'] = benchmark_models(names, device, size, batch,
                                            train_batch, repeats, 1,
                                            variants)
    result['load'] = load.json()
    result['warning'] = load.warning()
    if pipeline_videos:
        with tempfile.TemporaryDirectory() as tmp:
            videos = make_videos(tmp, pipeline_videos, video_size,
                                 video_frames)
            result['pipelines'] = benchmark_pipelines(videos, repeats)
            result['settings'].update(video_size=video_size,
                                      video_frames=list(video_frames),
                                      pipeline_videos=len(videos))
    return result


def _paired_text(row: dict) -> str:
    pairs = row.get('latency_vs_tsm_rounds')
    if not pairs or row['model'] == 'tsm':
        return ''
    return (f'; x TSM round by round: median {pairs["median"]:.3f}, min '
            f'{pairs["min"]:.3f}, max {pairs["max"]:.3f}')


def format_result(result: dict) -> str:
    """The benchmark as text: what was timed, the tables, the load."""
    from tdn_plugin.utils.timing import LoadMonitor
    settings = result['settings']
    load = result.get('load') or {}
    lines = [f'machine: {result["machine"]}',
             f'timed: {settings["timed"]}; {settings["mode"]}; input '
             f'{settings["size"]}x{settings["size"]}, T={settings["segments"]}'
             f', latency batch 1, throughput batch {settings["batch"]}, train '
             f'batch {settings["train_batch"]}, {settings["threads"]} threads,'
             f' {settings["repeats"]} rounds',
             LoadMonitor.text(load), '',
             f'{"model":8s} {"variant":18s} {"latency ms":>11s} '
             f'{"x TSM":>6s} {"clips/s":>8s} {"train ms":>9s} {"x TSM":>6s}']
    for r in result['models']:
        lines.append(
            f'{r["model"]:8s} {r["variant"]:18s} {r["latency_ms"]:11.1f} '
            f'{r.get("latency_vs_tsm", float("nan")):6.3f} '
            f'{r["throughput_clips_per_s"]:8.2f} {r["train_step_ms"]:9.1f} '
            f'{r.get("train_vs_tsm", float("nan")):6.3f}  (latency min '
            f'{r["latency_min_ms"]:.1f}, max {r["latency_max_ms"]:.1f}'
            f'{_paired_text(r)})')
    if result.get('pipelines'):
        lines += ['', f'{"pipeline":8s} {"frames":>6s} {"ms/clip":>8s} '
                  f'{"clips/s":>8s} {"x TSN":>6s}']
        for r in result['pipelines']:
            lines.append(f'{r["pipeline"]:8s} {r["frames_per_clip"]:6d} '
                         f'{r["ms_per_clip"]:8.1f} {r["clips_per_s"]:8.2f} '
                         f'{r["time_vs_tsn"]:6.3f}')
    if result.get('warning'):
        lines += ['', f'warning: {result["warning"]}']
    return '\n'.join(lines)
