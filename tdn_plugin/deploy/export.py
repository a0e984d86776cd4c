"""``tdn export``: a config + checkpoint to ONNX (and OpenVINO IR, int8),
checked against PyTorch."""
import os.path as osp
from typing import Callable, Optional

import torch
from mmengine.config import Config


def _suffixed(path: str, suffix: str) -> str:
    root = path[:-len('.onnx')] if path.endswith('.onnx') else path
    return root + suffix


def export_config(config_path: str, cfg: Config, checkpoint: Optional[str],
                  out: str, views: Optional[int] = None, opset: int = 17,
                  check: bool = False, openvino: bool = False,
                  int8: bool = False, calib_clips: int = 64,
                  eval_clips: int = 0, tolerance: float = 1e-4,
                  log: Callable[[str], None] = print) -> dict:
    """Export a recognizer's test-time scores (:mod:`tdn_plugin.deploy.graph`)
    and optionally check, convert and quantise them.

    Args:
        config_path (str): The config file (its name goes into the graph).
        cfg (Config): The loaded config.
        checkpoint (str, optional): Weights; None: construction weights.
        out (str): The ``.onnx`` file.
        views (int, optional): Views in the traced input (the axis is
            dynamic where the model allows it, else the graph takes this many
            views a call); default: 1.
        opset (int): ONNX opset. Defaults to 17.
        check (bool): Compare ONNX Runtime (and OpenVINO) with PyTorch on
            random and real frames; raise ``ParityError`` above
            ``tolerance``. Defaults to False.
        openvino (bool): Also write OpenVINO IR next to ``out`` (``.xml``).
            Defaults to False.
        int8 (bool): Also write an int8 graph (``.int8.onnx``) calibrated
            on ``calib_clips`` clips of the val list. Defaults to False.
        calib_clips (int): Calibration clips. Defaults to 64.
        eval_clips (int): With ``int8``, top-1 of float32 and int8 on up
            to this many val clips (test clips where the config has no
            val list; 0: skip). Defaults to 0.
        tolerance (float): Relative tolerance of the check. Defaults to
            1e-4.
        log (Callable): Progress lines. Defaults to print.

    Returns:
        dict: Files written, metadata, parity rows and int8 accuracy.
    """
    from tdn_plugin.apis.inference import (
        bound_testing_views,
        load_recognizer,
        preprocess,
    )
    from tdn_plugin.utils.complexity import frames_per_view

    from .clips import config_clips
    from .graph import SIZE_PROBE_STEP, export_onnx, to_openvino
    from .metadata import graph_metadata, read_metadata, view_chunks
    from .parity import check_parity
    from .runtimes import OnnxRuntimeModel, OpenVinoModel
    model = load_recognizer(cfg, checkpoint)
    per_view = frames_per_view(model, cfg)
    bound_testing_views(model, per_view)  # PyTorch's side of the check
    clips, source = config_clips(cfg, 2 if check else 1, 'test')
    example = preprocess(model.data_preprocessor, clips[0])
    example = example[:per_view].repeat(views or 1, 1, 1, 1)
    metadata = graph_metadata(config_path, model, tuple(example.shape),
                              checkpoint)
    log(f'exporting {metadata["config"]}: {metadata["exported_views"]} '
        f'view(s) x {per_view} frames x 3 x {example.shape[-2]} x '
        f'{example.shape[-1]} -> {out}')
    export_onnx(model, example, out, opset, metadata)
    metadata = read_metadata(out)  # with dynamic_views, dynamic_size
    dynamic = [axis for axis, key in (('views', 'dynamic_views'),
                                      ('frame size', 'dynamic_size'))
               if metadata[key] == 'true']
    log(f'dynamic axes: {" and ".join(dynamic) or "none"}')
    report = dict(onnx=out, metadata=metadata)
    if openvino:
        report['openvino'] = to_openvino(out, _suffixed(out, '.xml'),
                                         metadata)
        log(f'OpenVINO IR: {report["openvino"]}')
    if check:
        runtimes = {'onnxruntime': OnnxRuntimeModel(out)}
        if openvino:
            runtimes['openvino'] = OpenVinoModel(report['openvino'])
        # fed as `tdn infer` feeds it: any views, in chunks
        chunks = view_chunks(metadata)
        runtimes = {name: (lambda frames, r=runtime: chunks(r, frames))
                    for name, runtime in runtimes.items()}
        generator = torch.Generator().manual_seed(0)
        views_checked = (1, 2) if metadata['dynamic_views'] == 'true' else (
            int(metadata['exported_views']), )
        sizes = [tuple(example.shape[1:])]
        if metadata['dynamic_size'] == 'true':
            sizes.append((3, ) + tuple(s + SIZE_PROBE_STEP
                                       for s in example.shape[-2:]))
        random_frames = [
            torch.randn((v * per_view, ) + size, generator=generator)
            for v in views_checked for size in sizes
        ]
        if metadata['dynamic_views'] == 'false':
            log('the views axis is fixed (the model does not export with a '
                f'symbolic one): the graph takes {views_checked[0]} view(s) '
                'a call')
        rows = check_parity(model, runtimes, clips, random_frames, tolerance)
        report['parity'] = rows
        for name in runtimes:
            worst = max(r['relative'] for r in rows if r['backend'] == name)
            log(f'check {name}: max relative difference {worst:.2e} '
                f'(<= {tolerance:g}) on random frames '
                f'({" and ".join(map(str, views_checked))} view(s); '
                f'{" and ".join(f"{h}x{w}" for _, h, w in sizes)}) and '
                f'{source}')
    if int8:
        report.update(_quantize(cfg, model, out, metadata, calib_clips,
                                eval_clips, openvino, log))
    return report


def _quantize(cfg: Config, model: torch.nn.Module, out: str, metadata: dict,
              calib_clips: int, eval_clips: int, openvino: bool,
              log: Callable[[str], None]) -> dict:
    from tdn_plugin.apis.inference import preprocess

    from .clips import config_clips, listed_clips
    from .graph import to_openvino
    from .parity import top1_accuracy
    from .quantize import quantize_int8
    from .runtimes import OnnxRuntimeModel, OpenVinoModel
    clips, source = config_clips(cfg, calib_clips, 'val')
    log(f'int8: calibrating on {source}')
    int8_path = quantize_int8(
        out, _suffixed(out, '.int8.onnx'),
        (preprocess(model.data_preprocessor, c).numpy() for c in clips),
        metadata)
    report = dict(int8=int8_path)
    log(f'int8 graph: {int8_path}')
    if openvino:
        report['int8_openvino'] = to_openvino(
            int8_path, _suffixed(out, '.int8.xml'))
        log(f'int8 OpenVINO IR: {report["int8_openvino"]}')
    if eval_clips:
        val, split = listed_clips(cfg, eval_clips)
        if not val:
            log('int8: no val or test list here, top-1 not measured')
            return report
        runtimes = dict(fp32=OnnxRuntimeModel(out),
                        int8=OnnxRuntimeModel(int8_path))
        if openvino:
            runtimes['int8_openvino'] = OpenVinoModel(
                report['int8_openvino'])
        top1 = {name: top1_accuracy(runtime, model.data_preprocessor, val)
                for name, runtime in runtimes.items()}
        report['top1'] = dict(top1, clips=len(val), split=split)
        log(f'top-1 on {len(val)} {split} clips: ' + ', '.join(
            f'{name} {acc:.2f}%' for name, acc in top1.items()))
    return report


def check_output_path(out: str) -> None:
    """Refuse an output path that is not ``.onnx`` or whose folder is
    missing (before any work)."""
    if not out.endswith('.onnx'):
        raise ValueError(f'--out must end with .onnx, got {out}')
    folder = osp.dirname(osp.abspath(out))
    if not osp.isdir(folder):
        raise ValueError(f'output folder does not exist: {folder}')
