"""A recognizer to ONNX (and OpenVINO IR, int8), checked against PyTorch:
:func:`export_graph` is the one export path (``tdn export`` and the
inferencer's on-the-fly export); :func:`export_config` adds the checks."""
import copy
from typing import Callable, Optional

import torch
from mmengine.config import Config

from tdn_plugin.utils.checks import check_output_file, load_recognizer
from tdn_plugin.utils.errors import UsageError
from tdn_plugin.utils.views import (
    ViewsError,
    frames_per_view,
    set_test_views,
    views_per_call,
)

from .clips import (
    calibration_clips,
    config_clips,
    listed_clips,
    preprocess,
)
from .graph import SIZE_PROBE_STEP, export_onnx, to_openvino
from .metadata import config_name, graph_metadata, read_metadata, view_chunks
from .parity import check_parity, top1_accuracy
from .runtimes import open_runtime


def _suffixed(path: str, suffix: str) -> str:
    return path[:-len('.onnx')] + suffix


def bound_testing_views(model: torch.nn.Module) -> torch.nn.Module:
    """Give a ``TDNRecognizer`` without ``test_cfg.max_testing_views`` one
    (:func:`tdn_plugin.utils.views.views_per_call`), so that a many-view
    protocol runs in view chunks (the same scores, bounded memory); the
    shipped configs set it themselves. Other recognizers are left as their
    config says.

    Args:
        model (torch.nn.Module): The recognizer.

    Returns:
        torch.nn.Module: ``model``.
    """
    from tdn_plugin.models.recognizers import TDNRecognizer
    test_cfg = dict(model.test_cfg or {})
    if isinstance(model, TDNRecognizer) and not test_cfg.get(
            'max_testing_views'):
        test_cfg['max_testing_views'] = views_per_call(model.frames_per_view)
        model.test_cfg = test_cfg
    return model


def export_graph(model: torch.nn.Module, example: torch.Tensor, out: str,
                 config_path: str, checkpoint: Optional[str] = None,
                 openvino: bool = False, opset: int = 17) -> dict:
    """Export a recognizer's test-time scores (:mod:`.graph`) with their
    metadata (:mod:`.metadata`) to ``out`` (its folder is created), and
    OpenVINO IR next to it (``.xml``).

    Args:
        model (torch.nn.Module): The recognizer, ``model.cfg`` set.
        example (torch.Tensor): Preprocessed frames to trace with.
        out (str): The ``.onnx`` file.
        config_path (str): The config file (its name goes into the graph).
        checkpoint (str, optional): The weights' file (its SHA-256 goes
            into the graph).
        openvino (bool): Also write OpenVINO IR. Defaults to False.
        opset (int): ONNX opset. Defaults to 17.

    Returns:
        dict: ``onnx``, ``metadata`` and, with ``openvino``, ``openvino``.
    """
    from tdn_plugin.utils.dependencies import require_extra
    require_extra(['onnx'] + (['openvino'] if openvino else []), 'deploy')
    check_output_file(out)
    metadata = graph_metadata(config_path, model, tuple(example.shape),
                              checkpoint)
    export_onnx(model, example, out, opset, metadata)
    report = dict(onnx=out, metadata=read_metadata(out))  # + dynamic axes
    if openvino:
        report['openvino'] = to_openvino(out, _suffixed(out, '.xml'),
                                         report['metadata'])
    return report


def export_config(config_path: str, cfg: Config, checkpoint: Optional[str],
                  out: str, views: Optional[int] = None, opset: int = 17,
                  check: bool = False, check_views: str = '1x1',
                  openvino: bool = False, int8: bool = False,
                  calib_clips: int = 64, eval_clips: int = 0,
                  tolerance: float = 1e-4,
                  log: Callable[[str], None] = print) -> dict:
    """Export a config's recognizer (:func:`export_graph`) and optionally
    check, convert and quantise it.

    Args:
        config_path (str), cfg (Config): The config file, and loaded.
        checkpoint (str, optional): Weights; None: construction weights.
        out (str): The ``.onnx`` file.
        views (int, optional): Views in the traced input (the axis is
            dynamic where the model allows it, else the graph takes this
            many views a call). Defaults to None (1).
        opset (int): ONNX opset. Defaults to 17.
        check, check_views, tolerance (bool, str, float): Compare ONNX
            Runtime (and OpenVINO) with PyTorch on random frames and two
            real clips of ``check_views`` (:data:`~tdn_plugin.utils.views.
            VIEWS`); raise ``ParityError`` above ``tolerance`` (relative).
            Default to False, '1x1', 1e-4.
        openvino (bool): Also OpenVINO IR (``.xml``). Defaults to False.
        int8, calib_clips, eval_clips (bool, int, int): Also an int8 graph
            (``.int8.onnx``) calibrated on ``calib_clips`` val clips; top-1
            of float32 and int8 on ``eval_clips`` (test clips where the
            config has no val list; 0: skip). Default to False, 64, 0.
        log (Callable): Progress lines. Defaults to print.

    Returns:
        dict: Files written, metadata, parity rows and int8 accuracy.
    """
    if not out.endswith('.onnx'):
        raise UsageError(f'--out must end with .onnx, got {out}')
    model = bound_testing_views(load_recognizer(cfg, checkpoint))
    clips, source = _check_clips(cfg, 2 if check else 1, check_views, log)
    per_view = frames_per_view(model, cfg)
    example = preprocess(model.data_preprocessor, clips[0])
    example = example[:per_view].repeat(views or 1, 1, 1, 1)
    log(f'exporting {config_name(config_path)}: {views or 1} view(s) x '
        f'{per_view} frames x 3 x {example.shape[-2]} x {example.shape[-1]}'
        f' -> {out}')
    report = export_graph(model, example, out, config_path, checkpoint,
                          openvino, opset)
    dynamic = [axis for axis, key in (('views', 'dynamic_views'),
                                      ('frame size', 'dynamic_size'))
               if report['metadata'][key] == 'true']
    log(f'dynamic axes: {" and ".join(dynamic) or "none"}')
    if openvino:
        log(f'OpenVINO IR: {report["openvino"]}')
    if check:
        report['parity'] = _check(model, report, example, clips, source,
                                  tolerance, log)
    if int8:
        report.update(_quantize(cfg, model, report, calib_clips, eval_clips,
                                log))
    return report


def _check_clips(cfg: Config, count: int, views: str,
                 log: Callable[[str], None]) -> tuple:
    """``count`` real clips (:func:`.clips.config_clips`) at the ``views``
    protocol (the config's where its pipeline cannot be rewritten), and
    where they come from."""
    cfg = copy.deepcopy(cfg)
    try:
        set_test_views(cfg, views)
    except ViewsError as error:
        log(f'real clips with the config\'s test pipeline ({error})')
        views = 'the config\'s views'
    clips, source = config_clips(cfg, count, 'test')
    return clips, f'{source}, {views}'


def _check(model: torch.nn.Module, report: dict, example: torch.Tensor,
           clips: list, source: str, tolerance: float,
           log: Callable[[str], None]) -> list:
    """Parity of the exported graphs with PyTorch, fed as ``tdn infer``
    feeds them (in view chunks), on ``clips`` and on two random inputs:
    one view at the traced size, and two views (where that axis is
    dynamic) at a larger size (where that axis is dynamic)."""
    metadata = report['metadata']
    runtimes = {name: view_chunks(open_runtime(report[key], name), metadata)
                for name, key in (('onnxruntime', 'onnx'),
                                  ('openvino', 'openvino')) if key in report}
    per_view = int(metadata['frames_per_view'])
    views = 2 if metadata['dynamic_views'] == 'true' else int(
        metadata['exported_views'])
    if metadata['dynamic_views'] == 'false':
        log('the views axis is fixed (the model does not export with a '
            f'symbolic one): the graph takes {views} view(s) a call')
    step = SIZE_PROBE_STEP if metadata['dynamic_size'] == 'true' else 0
    generator = torch.Generator().manual_seed(0)
    random_frames = [torch.randn(shape, generator=generator) for shape in (
        example.shape, (views * per_view, 3, example.shape[-2] + step,
                        example.shape[-1] + step))]
    rows = check_parity(model, runtimes, clips, random_frames, tolerance)
    tried = ', '.join(f'{f.shape[0] // per_view} view(s) {f.shape[-2]}x'
                      f'{f.shape[-1]}' for f in random_frames)
    for name in runtimes:
        worst = max(r['relative'] for r in rows if r['backend'] == name)
        log(f'check {name}: max relative difference {worst:.2e} (<= '
            f'{tolerance:g}) on random frames ({tried}) and {source}')
    return rows


def _quantize(cfg: Config, model: torch.nn.Module, report: dict,
              calib_clips: int, eval_clips: int,
              log: Callable[[str], None]) -> dict:
    """The int8 graph (and its IR), calibrated on train clips
    (:func:`.clips.calibration_clips`); top-1 of float32 and int8 on
    ``eval_clips`` val (else test) clips, and its change (int8 - float32,
    points)."""
    from .quantize import quantize_int8
    out = report['onnx']
    clips, source, calibrated_on = calibration_clips(cfg, calib_clips)
    log(f'int8: calibrating on {source}')
    found = dict(calibration=source, int8=quantize_int8(
        out, _suffixed(out, '.int8.onnx'),
        (preprocess(model.data_preprocessor, c).numpy() for c in clips),
        report['metadata']))
    log(f'int8 graph: {found["int8"]}')
    if 'openvino' in report:
        found['int8_openvino'] = to_openvino(found['int8'],
                                             _suffixed(out, '.int8.xml'))
        log(f'int8 OpenVINO IR: {found["int8_openvino"]}')
    if not eval_clips:
        return found
    val, split = listed_clips(cfg, eval_clips)
    if not val:
        log('int8: no val or test list here, top-1 not measured')
        return found
    top1 = {name: top1_accuracy(view_chunks(open_runtime(path),
                                            report['metadata']),
                                model.data_preprocessor, val)
            for name, path in dict(fp32=out, **found).items()
            if name != 'calibration'}  # the graphs
    if calibrated_on == split:
        where = f'on this {split} list: top-1 on its calibration data'
    else:
        where = (f'on the {calibrated_on} list' if calibrated_on
                 else 'on generated toy videos')
    log(f'top-1 on {len(val)} {split} clips (int8 calibrated {where}): '
        + ', '.join(f'{name} {acc:.2f}%' for name, acc in top1.items()))
    # and the change of each int8 graph: change (onnxruntime) and
    # change_openvino, int8 - fp32 in points
    found['top1'] = dict(top1, clips=len(val), split=split,
                         calibration_split=calibrated_on, **{
        name.replace('int8', 'change'): acc - top1['fp32']
        for name, acc in top1.items() if name != 'fp32'})
    return found
