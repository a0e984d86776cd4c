"""The same models side by side in one run on PyTorch eager and the
deployment backends: ONNX Runtime and OpenVINO (CPU), float32 and int8.

Every figure comes from one process, the tasks taking turns round by round
(:func:`tdn_plugin.apis.benchmark.interleaved`), and is reported as a ratio
to PyTorch eager float32 TSM-R50 measured in the same run. Weights are
random (speed only); the int8 graphs of this benchmark are calibrated on
random clips, so their accuracy is not what this measures (see
:func:`int8_top1_change`).
"""
import os
import os.path as osp
import tempfile
from typing import Callable, Dict, Optional, Sequence

import numpy as np
import torch

BACKENDS = ('torch', 'onnxruntime', 'openvino')
REFERENCE = 'tsm/torch'


def _graphs(name: str, model: torch.nn.Module, size: int, frames: int,
            backends: Sequence[str], int8: bool, calib_clips: int,
            threads: int, folder: str) -> Dict[str, Callable]:
    """Runtime callables of one model: 'onnxruntime', 'openvino',
    'onnxruntime-int8', 'openvino-int8'."""
    from .graph import export_onnx
    from .quantize import quantize_int8
    from .runtimes import OnnxRuntimeModel, OpenVinoModel
    onnx_path = osp.join(folder, f'{name}.onnx')
    export_onnx(model, torch.randn(frames, 3, size, size), onnx_path)
    paths = {'': onnx_path}
    if int8:
        rng = np.random.default_rng(0)
        paths['-int8'] = quantize_int8(
            onnx_path, osp.join(folder, f'{name}.int8.onnx'),
            (rng.standard_normal((frames, 3, size, size), dtype=np.float32)
             for _ in range(calib_clips)))
    runtimes = {}
    for suffix, path in paths.items():
        if 'onnxruntime' in backends:
            # the session's optimised graph is saved too (reused by users
            # who load it with optimisation level 'disable')
            runtimes[f'onnxruntime{suffix}'] = OnnxRuntimeModel(
                path, threads, 'all',
                osp.join(folder, f'{name}{suffix}.ort-optimized.onnx'))
        if 'openvino' in backends:
            runtimes[f'openvino{suffix}'] = OpenVinoModel(path, threads)
    return runtimes


def benchmark_backends(models: Sequence[str] = ('tdn', 'tsm'),
                       backends: Sequence[str] = BACKENDS,
                       int8: bool = False, size: int = 224, batch: int = 4,
                       repeats: int = 5, warmup: int = 1,
                       threads: Optional[int] = None, calib_clips: int = 2,
                       folder: Optional[str] = None) -> dict:
    """Latency (batch 1) and throughput (``batch`` clips a call) of R50,
    T=8 models (:data:`tdn_plugin.apis.benchmark.MODELS`) on each backend.

    The graphs take one call's clips as views of one input; the work is
    the same as a batch of clips.

    Args:
        models (Sequence[str]): Names in ``apis.benchmark.MODELS``; 'tsm'
            is added (the reference). Defaults to ('tdn', 'tsm').
        backends (Sequence[str]): Of 'torch', 'onnxruntime', 'openvino'.
        int8 (bool): Also the int8 graphs (ONNX Runtime static QDQ) on the
            runtimes. Defaults to False.
        size (int): Input size. Defaults to 224.
        batch (int): Clips per throughput call. Defaults to 4.
        repeats (int): Timed rounds. Defaults to 5.
        warmup (int): Untimed calls first. Defaults to 1.
        threads (int, optional): Threads of every backend; default: the
            CPU count.
        calib_clips (int): Random clips calibrating the int8 graphs.
        folder (str, optional): Keep the graphs here; default: a temporary
            folder.

    Returns:
        dict: ``machine``, ``settings`` and ``rows`` (model, backend,
        latency_ms, throughput_clips_per_s, latency_vs_tsm_torch,
        latency_vs_own_torch).
    """
    from tdn_plugin.apis.benchmark import build, frames_per_view
    from tdn_plugin.utils.timing import (
        LoadMonitor,
        machine_info,
        time_side_by_side,
    )
    threads = threads or os.cpu_count() or 1
    torch.set_num_threads(threads)
    models = list(dict.fromkeys(list(models) + ['tsm']))
    temporary = None
    if folder is None:
        temporary = tempfile.TemporaryDirectory()
        folder = temporary.name
    latency, throughput = {}, {}
    try:
        for name in models:
            model = build(name).eval()
            frames = frames_per_view(model)
            one = torch.randn(frames, 3, size, size)
            many = torch.randn(batch * frames, 3, size, size)
            if 'torch' in backends:
                latency[f'{name}/torch'] = _eager(model, one, 1)
                throughput[f'{name}/torch'] = _eager(model, many, batch)
            runtimes = _graphs(name, model, size, frames, backends, int8,
                               calib_clips, threads, folder)
            for backend, runtime in runtimes.items():
                latency[f'{name}/{backend}'] = (
                    lambda r=runtime, x=one.numpy(): r(x))
                throughput[f'{name}/{backend}'] = (
                    lambda r=runtime, x=many.numpy(): r(x))
        with LoadMonitor() as load:
            timed = time_side_by_side(latency, repeats, warmup)
            batch_timed = time_side_by_side(throughput, repeats, warmup)
    finally:
        if temporary is not None:
            temporary.cleanup()
    rows = []
    for key, timing in timed.items():
        name, backend = key.split('/')
        rows.append(dict(
            model=name, backend=backend, latency_ms=timing.median_ms,
            latency_min_ms=timing.min_ms, latency_max_ms=timing.max_ms,
            throughput_clips_per_s=batch * 1000 / batch_timed[key].median_ms))
    reference = timed.get(REFERENCE)
    for row in rows:
        own = timed.get(f'{row["model"]}/torch')
        ms = row['latency_ms']
        row['latency_vs_tsm_torch'] = (ms / reference.median_ms
                                       if reference else None)
        row['latency_vs_own_torch'] = ms / own.median_ms if own else None
    return dict(machine=machine_info('cpu'),
                settings=dict(size=size, batch=batch, repeats=repeats,
                              threads=threads, int8=int8,
                              int8_calibration=f'{calib_clips} random clips'),
                rows=rows, load=load.json(), warning=load.warning())


def _eager(model: torch.nn.Module, frames: torch.Tensor,
           clips: int) -> Callable[[], None]:
    x = frames.view((clips, -1) + tuple(frames.shape[1:]))

    def run() -> None:
        with torch.no_grad():
            model.extract_feat(x, stage='head', test_mode=True)

    return run


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
    from tdn_plugin.cli.utils import load_config

    from .export import export_config
    cfg = load_config(config_path)
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


def format_backends(result: dict) -> str:
    """A table of :func:`benchmark_backends`' rows."""
    lines = [f'machine: {result["machine"]}',
             f'settings: {result["settings"]}', '',
             f'{"model":7s} {"backend":17s} {"latency ms":>11s} '
             f'{"x TSM torch":>12s} {"x own torch":>12s} {"clips/s":>8s}']
    for r in result['rows']:
        lines.append(
            f'{r["model"]:7s} {r["backend"]:17s} {r["latency_ms"]:11.1f} '
            f'{r["latency_vs_tsm_torch"] or float("nan"):12.3f} '
            f'{r["latency_vs_own_torch"] or float("nan"):12.3f} '
            f'{r["throughput_clips_per_s"]:8.2f}')
    from tdn_plugin.utils.timing import LoadMonitor
    lines += ['', LoadMonitor.text(result.get('load') or {})]
    if result.get('warning'):
        lines.append(f'warning: {result["warning"]}')
    return '\n'.join(lines)


def run_cli(args) -> int:
    """``tdn benchmark --backends ...`` (see ``tdn_plugin.cli.benchmark``)."""
    import json
    models = args.models if args.models != ['tdn', 'gtdnet', 'tsm', 'tsn'] \
        else ['tdn', 'tsm']
    result = benchmark_backends(models, args.backends, args.int8, args.size,
                                args.batch, args.repeats,
                                threads=args.threads)
    print(format_backends(result))
    if args.int8 and args.int8_accuracy:
        top1 = int8_top1_change(*args.int8_accuracy)
        result['int8_top1'] = top1
        print(f'\nint8 top-1 on {top1["clips"]} {top1["split"]} clips: fp32 '
              f'{top1["fp32"]:.2f}%, int8 onnxruntime {top1["int8"]:.2f}% '
              f'({top1["change"]:+.2f}), int8 openvino '
              f'{top1["int8_openvino"]:.2f}% ({top1["change_openvino"]:+.2f})')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=2)
        print(f'\nwritten: {args.json}')
    return 0
