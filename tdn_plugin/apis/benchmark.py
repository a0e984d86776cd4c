"""Side-by-side speed of TDN, GTDNet and MMAction2's TSM and TSN: PyTorch
eager and, as an option, the deployment backends (ONNX Runtime, OpenVINO;
float32 and int8).

Every figure is measured in one process by the shared timer
(:func:`tdn_plugin.utils.timing.time_side_by_side`: the tasks take turns
in a shuffled order each round, so a noisy machine slows them alike) and
reported as min / median / max, as a ratio to TSM measured in the same run
and round by round against it; each result's ``settings`` say what was
timed (eager: each model's :func:`tdn_plugin.models.fuse_for_inference`
form, TSM's as well). Weights are random (speed only); the int8 graphs of
this benchmark are calibrated on random clips, so their accuracy is not
what this measures (``tdn benchmark --int8-accuracy`` measures it on a
trained model, as ``tdn export --int8``).
"""
import functools
import os.path as osp
import statistics
import tempfile
import time
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
import torch

from tdn_plugin.utils.views import frames_per_view

SEGMENTS = 8
NUM_CLASSES = 174
BACKENDS = ('torch', 'onnxruntime', 'openvino')


def _backbone(kind: str, **kwargs) -> dict:
    return dict(type=kind, depth=50, pretrained=None, **kwargs)


# R50, T=8, as in the sthv1 configs; backbone + head is what is timed
TSM_HEAD = dict(type='TSMHead', num_classes=NUM_CLASSES, in_channels=2048,
                num_segments=SEGMENTS, is_shift=True)
MODELS = {
    'tdn': dict(type='TDNRecognizer', cls_head=TSM_HEAD,
                backbone=_backbone('ResNetTDN', num_segments=SEGMENTS)),
    'gtdnet': dict(type='Recognizer2D', cls_head=TSM_HEAD,
                   backbone=_backbone('ResNetGTD', num_segments=SEGMENTS)),
    'tsm': dict(type='Recognizer2D', cls_head=TSM_HEAD,
                backbone=_backbone('ResNetTSM', num_segments=SEGMENTS,
                                   pretrained2d=False)),
    'tsn': dict(type='Recognizer2D', backbone=_backbone('ResNet'),
                cls_head=dict(type='TSNHead', num_classes=NUM_CLASSES,
                              in_channels=2048)),
}


def build(name: str) -> torch.nn.Module:
    """The model ``name`` of :data:`MODELS` (construction weights)."""
    from mmaction.registry import MODELS as REGISTRY

    import tdn_plugin
    tdn_plugin.register_all_modules(init_default_scope=True)
    return REGISTRY.build(MODELS[name])


def _frames(model: torch.nn.Module) -> int:
    """T x F frames a view; TSN's plain ResNet reads the T = 8 frames."""
    return frames_per_view(model, default=SEGMENTS)


def _autocast(device: str, amp: bool) -> torch.autocast:
    """AMP: fp16 autocast on CUDA, bf16 on the CPU; off without ``amp``."""
    return torch.autocast(device, enabled=amp, dtype=torch.float16
                          if device == 'cuda' else torch.bfloat16)


def _train_task(model: torch.nn.Module, x: torch.Tensor, device: str,
                amp: bool, compiled: Optional[dict] = None
                ) -> Callable[[], None]:
    """One SGD step of ``model`` (train mode) on ``x``; with ``compiled``
    (``torch.compile`` options) its forward and loss compiled (the
    backward follows through AOTAutograd; the optimizer step stays
    eager)."""
    labels = torch.randint(0, NUM_CLASSES, (x.shape[0], ), device=device)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9)

    def forward_loss(x: torch.Tensor) -> torch.Tensor:
        with _autocast(device, amp):
            scores, _ = model.extract_feat(x, stage='head')
            return torch.nn.functional.cross_entropy(scores.float(), labels)

    if compiled is not None:
        forward_loss = torch.compile(forward_loss, **compiled)

    def step() -> None:
        loss = forward_loss(x)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    return step


def training_step_ops(model: torch.nn.Module, x: torch.Tensor) -> int:
    """ATen ops of one training step's forward and backward (the loss
    included, the optimizer step not: its ops follow the number of
    parameter tensors, not the network's work), ``model`` in train mode,
    counted after one untimed step (:mod:`tdn_plugin.utils.op_count`)."""
    from tdn_plugin.utils.op_count import ops_per_call
    labels = torch.zeros(x.shape[0], dtype=torch.long, device=x.device)

    def forward_backward() -> None:
        scores, _ = model.extract_feat(x, stage='head')
        torch.nn.functional.cross_entropy(scores, labels).backward()
        model.zero_grad(set_to_none=True)

    return ops_per_call(forward_backward)


def inference_ops(model: torch.nn.Module, x: torch.Tensor) -> int:
    """ATen ops of one eager inference of ``model`` (as
    :func:`tdn_plugin.utils.timing.inference_task` runs it) on ``x``."""
    from tdn_plugin.utils.op_count import ops_per_call
    from tdn_plugin.utils.timing import inference_task
    return ops_per_call(inference_task(model, x))


def _input(model: torch.nn.Module, batch: int, size: int, device: str,
           channels_last: bool = False) -> torch.Tensor:
    frames = _frames(model)
    x = torch.randn(batch * frames, 3, size, size, device=device)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    return x.view(batch, frames, 3, size, size)


# eager variants, and torch.compile's (CUDA graphs: CUDA only); static
# shapes: each task has one input shape, and the second shape that reaches
# a shared forward (the throughput batch, the other model) would otherwise
# recompile it with symbolic shapes, whose simplification took TDN's
# compile from minutes to over half an hour on 2 cores
EAGER_VARIANTS = ('fp32', 'amp', 'channels_last', 'amp+channels_last')
COMPILED_VARIANTS = {'compiled': dict(dynamic=False), 'cudagraphs': dict(
    mode='reduce-overhead', dynamic=False)}


def _compiled_inference_task(model: torch.nn.Module, inputs: torch.Tensor,
                             options: dict) -> Callable[[], None]:
    """:func:`tdn_plugin.utils.timing.inference_task` with ``model``'s
    backbone and head compiled (``torch.compile`` options)."""

    def infer(x: torch.Tensor) -> torch.Tensor:
        return model.extract_feat(x, stage='head', test_mode=True)[0]

    infer = torch.compile(infer, **options)

    def task() -> None:
        with torch.inference_mode():
            infer(inputs)

    return task


def _first_call_s(task: Callable[[], None], device: str) -> float:
    """Seconds of ``task``'s first call (for a compiled task: compiling
    it), synchronised on CUDA."""
    start = time.perf_counter()
    task()
    if device == 'cuda':
        torch.cuda.synchronize()
    return time.perf_counter() - start


def _eager_tasks(tasks: Dict[str, Dict[str, Callable]],
                 names: Sequence[str], variant: str, size: int, batch: int,
                 train_batch: int, device: str,
                 extra: Dict[str, dict]) -> None:
    """Add to ``tasks`` (kind: 'latency', 'throughput', 'train' -> task key
    -> task) one PyTorch variant of freshly built models: eager (fp32,
    amp, channels_last, amp+channels_last: each model's ATen ops per
    inference and per training step counted into ``extra``, task key ->
    fields) or compiled (``compiled``, ``cudagraphs``: the fused model's
    inference and the training step's forward through ``torch.compile``,
    each compiled once here, its seconds into ``extra``)."""
    from tdn_plugin.models import fuse_for_inference
    from tdn_plugin.utils.timing import inference_task
    amp, channels_last = 'amp' in variant, 'channels_last' in variant
    compiled = COMPILED_VARIANTS.get(variant)
    memory_format = torch.channels_last if channels_last else \
        torch.contiguous_format
    for name in names:
        model = build(name).to(device, memory_format=memory_format)
        key = f'{name}/torch' + ('' if variant == 'fp32' else f'-{variant}')
        fused = fuse_for_inference(model)
        found = extra.setdefault(key, {})
        train_input = _input(model, train_batch, size, device,
                             channels_last)
        for kind, clips in (('latency', 1), ('throughput', batch)):
            x = _input(model, clips, size, device, channels_last)
            if compiled is None:
                task = inference_task(fused, x)
                if kind == 'latency':
                    with _autocast(device, amp):
                        found['inference_ops'] = inference_ops(fused, x)
            else:
                task = _compiled_inference_task(fused, x, compiled)
            # autocast wraps the call only where it is on
            task = _autocast(device, amp)(task) if amp else task
            if compiled is not None:
                found[f'{kind}_compile_s'] = _first_call_s(task, device)
            tasks[kind][key] = task
        model.train()
        if compiled is None:
            with _autocast(device, amp):
                found['train_ops'] = training_step_ops(model, train_input)
        tasks['train'][key] = _train_task(model, train_input, device, amp,
                                          compiled)
        if compiled is not None:
            found['train_compile_s'] = _first_call_s(tasks['train'][key],
                                                     device)


def _graph_tasks(tasks: Dict[str, Dict[str, Callable]], name: str,
                 model: torch.nn.Module, size: int, batch: int,
                 backends: Sequence[str], int8: bool, calib_clips: int,
                 folder: str) -> None:
    """Add to ``tasks`` one model's graphs on the runtimes ('onnxruntime',
    'openvino', each also '-int8'); a call's clips are the graph's views of
    one input (the same work as a batch)."""
    from tdn_plugin.deploy.graph import export_onnx
    from tdn_plugin.deploy.quantize import quantize_int8
    from tdn_plugin.deploy.runtimes import BACKENDS as RUNTIMES
    from tdn_plugin.deploy.runtimes import open_runtime
    frames = _frames(model)
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
    for suffix, path in paths.items():
        for backend in (b for b in RUNTIMES if b in backends):
            runtime = open_runtime(path, backend, torch.get_num_threads())
            for kind, x in inputs.items():
                tasks[kind][f'{name}/{backend}{suffix}'] = functools.partial(
                    runtime, x)


def _rows(timed: Dict[str, dict], batch: int, train_batch: int,
          frames: Dict[str, int], extra: Dict[str, dict]) -> List[dict]:
    """One row per task key, with its ratios to TSM (same backend and
    variant, by medians and round by round, wall and CPU time; and to
    eager fp32 TSM) and to its own eager fp32 model, and its ``extra``
    fields (ATen ops, compile seconds) with the ops' ratios to TSM's."""
    rows = []
    for key, latency in timed['latency'].items():
        name, backend = key.split('/')
        row = dict(model=name, backend=backend, frames_per_view=frames[name],
                   latency_ms=latency.median_ms,
                   latency_min_ms=latency.min_ms,
                   latency_max_ms=latency.max_ms,
                   latency_rounds_ms=latency.json()['rounds_ms'],
                   throughput_clips_per_s=batch * 1000 /
                   timed['throughput'][key].median_ms, batch=batch,
                   **extra.get(key, {}))
        peer = extra.get(f'tsm/{backend}', {})
        for field in ('inference_ops', 'train_ops'):
            if row.get(field) and peer.get(field):
                row[f'{field}_vs_tsm'] = row[field] / peer[field]
        for field, peer in (('latency_vs_tsm_torch', 'tsm/torch'),
                            ('latency_vs_own_torch', f'{name}/torch')):
            if peer in timed['latency']:
                row[field] = latency.median_ms / timed['latency'][
                    peer].median_ms
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
    """``kind``'s ratios to the peer: of the medians, and of the wall and
    the CPU time round by round (median, min, max)."""
    from tdn_plugin.utils.timing import paired_ratios
    found = {f'{kind}_vs_tsm': timing.median_ms / peer.median_ms,
             f'{kind}_cpu_ms': timing.cpu_median_ms}
    for clock, mine, theirs in (('', timing.seconds, peer.seconds),
                                ('_cpu', timing.cpu_seconds,
                                 peer.cpu_seconds)):
        if mine and theirs:
            ratios = paired_ratios(mine, theirs)
            found[f'{kind}{clock}_vs_tsm_rounds'] = dict(
                median=statistics.median(ratios), min=min(ratios),
                max=max(ratios))
    return found


def benchmark_models(names: Sequence[str],
                     device: str = 'cpu',
                     backends: Sequence[str] = ('torch', ),
                     variants: Optional[Sequence[str]] = None,
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
        variants (Sequence[str], optional): PyTorch variants: eager fp32,
            amp, channels_last, amp+channels_last, and ``compiled``
            (``torch.compile``, inductor) and ``cudagraphs`` (its
            ``mode='reduce-overhead'``, CUDA only); default: fp32 on CPU,
            the four eager ones on CUDA.
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
        dict: ``settings`` (what was timed, how), ``rows`` (model, backend,
        latency_ms, latency_vs_tsm, latency_vs_tsm_rounds,
        throughput_clips_per_s, train_step_ms, train_vs_tsm, eager:
        inference_ops, train_ops and their _vs_tsm, compiled:
        latency_compile_s, throughput_compile_s, train_compile_s ...),
        ``load``, ``warning``.
    """
    from tdn_plugin.utils.timing import (
        PAUSE_S,
        LoadMonitor,
        isa_limits,
        time_side_by_side,
    )
    if variants is None:
        variants = ('fp32', ) if device == 'cpu' else (
            'fp32', 'amp', 'channels_last', 'amp+channels_last')
    tasks = dict(latency={}, throughput={}, train={})
    frames, extra = {}, {}
    with tempfile.TemporaryDirectory() as temporary:
        for variant in (variants if 'torch' in backends else ()):
            _eager_tasks(tasks, names, variant, size, batch, train_batch,
                         device, extra)
        for name in names:
            model = build(name)
            frames[name] = _frames(model)
            if set(backends) - {'torch'}:
                _graph_tasks(tasks, name, model, size, batch, backends, int8,
                             calib_clips, folder or temporary)
        if not train:
            tasks['train'] = {}
        with LoadMonitor() as load:
            timed = {kind: time_side_by_side(found, repeats, warmup,
                                             device=device)
                     for kind, found in tasks.items()}
    settings = dict(
        device=device, size=size, segments=SEGMENTS, batch=batch,
        train_batch=train_batch, repeats=repeats,
        threads=torch.get_num_threads(), backends=list(backends), int8=int8,
        mode='eager inference: the fuse_for_inference form under '
        'inference_mode; train: the model as built, one SGD step; '
        'compiled: the same, torch.compile of the inference and of the '
        'training forward and loss (compile seconds: the first call); '
        'ATen ops: eager, one inference (batch 1), one training '
        'forward+backward (train batch); '
        'graphs: exported from the model as built',
        timed='backbone + head on one input per task made once; '
        'min/median/max over rounds, tasks in a shuffled order each round, '
        f'each after an untimed {PAUSE_S} s pause')
    limits = isa_limits()
    if limits and set(backends) - {'torch'}:
        settings['runtime_isa'] = (
            ', '.join(f'{k}={v}' for k, v in limits.items()) + ' set: '
            'PyTorch follows ATEN_CPU_CAPABILITY and ONEDNN_MAX_CPU_ISA, '
            'OpenVINO ONEDNN_MAX_CPU_ISA, ONNX Runtime none (it runs '
            'with this CPU\'s own instruction set; docs/benchmarks.md, '
            '"Emulating an AVX2 CPU", lowers it for every library)')
    return dict(settings=settings,
                rows=_rows(timed, batch, train_batch, frames, extra),
                load=load.json(), warning=load.warning())


def model_parts(model: torch.nn.Module) -> Dict[str, List[torch.nn.Module]]:
    """The parts of a recognizer that a profile reports: the backbone, each
    of its children (stem, max-pool, the stages, TDN's S-TDM), the temporal
    modules inside its blocks by class (TDN's L-TDMs and temporal convs,
    GTDNet's modules) and the head. (TSM's shift runs inside its blocks'
    first convs: its time is in the stages and the ops, not a part.)"""
    from tdn_plugin.models.common import TemporalBlock
    parts = {'backbone': [model.backbone]}
    parts.update((name, [child])
                 for name, child in model.backbone.named_children())
    for block in model.backbone.modules():
        if isinstance(block, TemporalBlock):
            temporal = block.temporal
            for module in (temporal.children() if isinstance(
                    temporal, torch.nn.Sequential) else [temporal]):
                parts.setdefault(type(module).__name__, []).append(module)
    if getattr(model, 'cls_head', None) is not None:
        parts['cls_head'] = [model.cls_head]
    return parts


def profile_models(names: Sequence[str], size: int = 224,
                   rounds: int = 5) -> Dict[str, dict]:
    """Where each model's eager inference time goes on the CPU (batch 1,
    the :func:`tdn_plugin.models.fuse_for_inference` form, as timed by
    :func:`benchmark_models`), the models taking turns:
    :func:`tdn_plugin.utils.timing.profile_side_by_side` over
    :func:`model_parts`.

    Returns:
        Dict[str, dict]: Model name -> ``parts``, ``ops`` (median ms),
        ``total_ms``, ``rounds``.
    """
    from tdn_plugin.models import fuse_for_inference
    from tdn_plugin.utils.timing import inference_task, profile_side_by_side
    tasks, parts = {}, {}
    for name in names:
        model = build(name)
        fused = fuse_for_inference(model)
        tasks[name] = inference_task(fused, _input(model, 1, size, 'cpu'))
        parts[name] = model_parts(fused)
    found = profile_side_by_side(tasks, parts, rounds)
    return {name: dict(profile, rounds=rounds)
            for name, profile in found.items()}


def train_rates(rows: List[dict]) -> Dict[str, float]:
    """Clips/s one device trains, from the eager training steps of
    ``rows``: model -> ``train_batch`` x 1000 / ``train_step_ms`` of its
    fastest variant (fp32, AMP, channels-last)."""
    rates: Dict[str, float] = {}
    for r in rows:
        if r.get('backend', '').startswith('torch') and \
                r.get('train_step_ms') and r.get('train_batch'):
            rate = r['train_batch'] * 1000 / r['train_step_ms']
            rates[r['model']] = max(rate, rates.get(r['model'], 0.0))
    return rates


def run_benchmark(names: Sequence[str], pipeline_videos: int = 2,
                  models: bool = True,
                  data: Optional[dict] = None,
                  train_rate: Optional[float] = None,
                  profile: bool = False, **kwargs) -> dict:
    """:func:`benchmark_models` and the data pipelines
    (:func:`tdn_plugin.apis.data_benchmark.benchmark_data_pipelines`), and
    :func:`profile_models`, with the machine and the package versions.

    Args:
        names (Sequence[str]): Names in :data:`MODELS`.
        pipeline_videos (int): Generated clips per GOP for the data
            pipelines (0, with no ``data['videos']``: skip them). Defaults
            to 2.
        models (bool): Time the models (False: the data pipelines only).
            Defaults to True.
        data (dict, optional): The other arguments of
            ``benchmark_data_pipelines`` (``gops``, ``seconds``,
            ``videos``, ``pipelines``, ``decoders``).
        train_rate (float, optional): Clips/s one GPU trains, for the
            workers each train pipeline needs; by default, on CUDA, each
            model's measured training step (:func:`train_rates`).
        profile (bool): Also profile each model's eager inference (CPU,
            ``repeats`` rounds). Defaults to False.
        **kwargs: The other arguments of :func:`benchmark_models`.

    Returns:
        dict: ``machine``, ``settings``, ``rows``, ``load``, ``warning``
        (and ``data_pipelines``, ``profile``).
    """
    from tdn_plugin.utils.timing import (
        LoadMonitor,
        machine_info,
        package_versions,
    )

    from .data_benchmark import benchmark_data_pipelines
    data = dict(data or {})
    if models:
        result = benchmark_models(names, **kwargs)
    else:
        result = dict(rows=[], settings=dict(
            device=kwargs.get('device', 'cpu'),
            repeats=kwargs.get('repeats', 5)))
    result = dict(machine=dict(machine_info(result['settings']['device']),
                               **package_versions()), **result)
    if pipeline_videos or data.get('videos'):
        rates = {}
        if train_rate:
            rates = dict(tdn=train_rate, tsm=train_rate)
        elif result['settings']['device'] == 'cuda':
            rates = train_rates(result['rows'])
        with LoadMonitor() as load:
            found = benchmark_data_pipelines(
                count=pipeline_videos, repeats=result['settings']['repeats'],
                train_rates=rates, **data)
        result['data_pipelines'] = dict(found, load=load.json(),
                                        warning=load.warning())
        result['settings'].update(pipeline_videos=pipeline_videos)
    if profile and models:
        result['profile'] = profile_models(
            names, result['settings']['size'], result['settings']['repeats'])
    return result


# the printed tables: field -> header, format
ROW_COLUMNS = dict(
    model=('model', 's'), backend=('backend', 's'),
    latency_ms=('latency ms', '.1f'), latency_vs_tsm=('x TSM', '.3f'),
    latency_vs_tsm_torch=('x TSM torch', '.3f'),
    throughput_clips_per_s=('clips/s', '.2f'),
    train_step_ms=('train ms', '.1f'), train_vs_tsm=('x TSM', '.3f'),
    inference_ops=('ops/inference', 'd'),
    inference_ops_vs_tsm=('x TSM', '.2f'),
    train_ops=('ops/train step', 'd'), train_ops_vs_tsm=('x TSM', '.2f'),
    latency_compile_s=('compile s', '.1f'),
    train_compile_s=('train compile s', '.1f'))


def _print_table(rows: List[dict], columns: Dict[str, tuple]) -> None:
    """``rows`` in ``columns`` ('-' where a row lacks the field)."""
    from tdn_plugin.visualization.tables import print_table
    print_table([header for header, _ in columns.values()], [
        [format(r[key], spec) if r.get(key) is not None else '-'
         for key, (_, spec) in columns.items()] for r in rows])


def _print_profile(profiles: Dict[str, dict]) -> None:
    """The parts and kinds of ops of each model's profile (median ms),
    with each model's ratio to TSM."""
    from tdn_plugin.visualization.tables import print_table
    names = list(profiles)
    others = [n for n in names if n != 'tsm' and 'tsm' in profiles]
    labels = {f'part: {key}': ('parts', key) for key in dict.fromkeys(
        k for p in profiles.values() for k in p['parts'])}
    labels.update((f'ops: {key}', ('ops', key))
                  for key in profiles[names[0]]['ops'])
    table = []
    for label, (group, key) in list(labels.items()) + [
            ("all ops' own time", (None, None))]:
        ms = {n: p['total_ms'] if group is None else p[group].get(key)
              for n, p in profiles.items()}
        table.append(
            [label] + ['-' if ms[n] is None else f'{ms[n]:.1f}'
                       for n in names] +
            [f'{ms[n] / ms["tsm"]:.3f}' if ms[n] is not None and
             ms['tsm'] else '-' for n in others])
    print(f'\nprofile (torch.profiler, eager fp32 inference, batch 1, '
          f'median ms over {profiles[names[0]]["rounds"]} rounds, the models '
          'taking turns; a part with the modules inside it; ops: each op\'s '
          'own time by kind):')
    print_table(['part / ops'] + [f'{n} ms' for n in names] +
                [f'{n} x TSM' for n in others], table)


def _print_data(data: dict) -> None:
    """The data-pipeline figures, the load while they ran, its warning."""
    from tdn_plugin.utils.timing import LoadMonitor

    from .data_benchmark import print_data_pipelines
    print_data_pipelines(data)
    print(LoadMonitor.text(data.get('load') or {}))
    if data.get('warning'):
        print(f'warning: {data["warning"]}')


def print_result(result: dict) -> None:
    """Print the benchmark: the machine (CPU capability, oneDNN's ISA),
    what was timed, the load, the tables (each ratio to TSM also round by
    round), the int8 top-1 and the warning.

    Args:
        result (dict): Of :func:`run_benchmark`, with ``int8_top1`` (the
            ``top1`` of :func:`tdn_plugin.deploy.export.export_config`)
            where it was measured.
    """
    from tdn_plugin.utils.timing import LoadMonitor, instruction_sets
    settings, machine = result['settings'], result['machine']
    if not result['rows']:  # the data pipelines only
        print(f'machine: {machine}')
        _print_data(result['data_pipelines'])
        return
    print(f'machine: {machine}\n{instruction_sets(machine)}\n'
          f'timed: {settings["timed"]}; '
          f'{settings["mode"]}; input {settings["size"]}x{settings["size"]}'
          f', T={settings["segments"]}, latency batch 1, throughput batch '
          f'{settings["batch"]}, train batch {settings["train_batch"]}, '
          f'threads: {settings["threads"]}, {settings["repeats"]} rounds\n'
          + LoadMonitor.text(result.get('load') or {}))
    if settings.get('runtime_isa'):
        print(settings['runtime_isa'])
    _print_table(result['rows'], ROW_COLUMNS)
    for r in result['rows']:
        rounds = [(kind, r.get(f'{kind}_vs_tsm_rounds')) for kind in (
            'latency', 'train', 'latency_cpu', 'train_cpu')]
        rounds = [f'{kind.replace("_", " ")} x TSM round by round: median '
                  f'{p["median"]:.3f}, min {p["min"]:.3f}, max {p["max"]:.3f}'
                  for kind, p in rounds if p and r['model'] != 'tsm']
        if rounds:
            print(f'{r["model"]} {r["backend"]}: ' + '; '.join(rounds))
    if result.get('data_pipelines'):
        _print_data(result['data_pipelines'])
    if result.get('profile'):
        _print_profile(result['profile'])
    top1 = result.get('int8_top1')
    if top1:
        print(f'\nint8 top-1 on {top1["clips"]} {top1["split"]} clips: fp32 '
              f'{top1["fp32"]:.2f}%, int8 onnxruntime {top1["int8"]:.2f}% '
              f'({top1["change"]:+.2f}), int8 openvino '
              f'{top1["int8_openvino"]:.2f}% ({top1["change_openvino"]:+.2f})')
    if result.get('warning'):
        print(f'\nwarning: {result["warning"]}')
