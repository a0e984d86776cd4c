"""``tdn compare``: train and test MMAction2 recognizer configs (2D and 3D)
under one budget with mmengine's Runner, measure them side by side, and
report.

The data flow is runs -> results -> one report. Each config runs as it is
except for what the comparison makes equal (:func:`prepare_config`): the
data and classes, the epochs, the input size, the seed, the weights
(``pretrained``: keep them, or clear every pretrained source), the recipe
(``shared``: the first config's optimiser, schedule, warm-up, weight
decay, batch and clip grad for all; ``own``: each config's, its lr scaled
linearly to the batch really used), the bad-video policy (skipped and named
in training, scored as blank in test) and one test protocol (``views``).
Each model is tested once after training; its dumped predictions make
every accuracy of the report (:mod:`tdn_plugin.apis.report`). Parameters
and MACs come from mmengine's counter, latency from the side-by-side timer
on the model's inference form (:func:`tdn_plugin.models.
fuse_for_inference`), all models in one process. A config that fails is
named with why, on one line, and the others still run.
"""
import gc
import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import torch

from tdn_plugin.engine.runner import build_runner
from tdn_plugin.utils import config_edit as edit
from tdn_plugin.utils.errors import UserError

from . import report as reports
from .data import find_families, load_families, one_clip

PREDICTIONS_FILE = 'test_predictions.pkl'
RUN_FILE = 'compare_run.json'
# backbone type -> the compiled mmcv op it needs (absent in mmcv-lite)
NEEDS_MMCV_OPS = {'ResNetTIN': 'tin_shift'}
# backbone type -> the one input size its fully connected layers take
FIXED_INPUT_SIZE = {'C3D': 112}


class CompareError(UserError, ValueError):
    """A comparison or a contender that cannot start."""


@dataclass
class CompareSettings:
    """What the comparison makes equal (the options of ``tdn compare``;
    None keeps each config's own).

    Args:
        data_root, train_list, val_list (str, optional): The videos, the
            training list and the test list. Default to None.
        classes, families (str, optional): ``classes.txt`` and
            ``families.json``. Default to None (looked for next to the
            classes file, the data and the lists).
        epochs, input_size, batch_size, num_workers (int, optional): The
            budget. Default to None.
        views (str): Test protocol of every model. Defaults to ``'1x1'``.
        pretrained (str): ``'keep'`` or ``'none'``. Defaults to ``'keep'``.
        recipe (str): ``'shared'`` or ``'own'``. Defaults to ``'shared'``.
        seed (int): Seed of every run. Defaults to 0.
        cfg_options (dict, optional): Merged into every config first.
            Defaults to None.
        latency_rounds (int): Timed rounds of the latency. Defaults to 20.
        verbose (bool): Show each Runner's environment and config dump.
            Defaults to False.
    """

    data_root: Optional[str] = None
    train_list: Optional[str] = None
    val_list: Optional[str] = None
    classes: Optional[str] = None
    families: Optional[str] = None
    epochs: Optional[int] = None
    input_size: Optional[int] = None
    batch_size: Optional[int] = None
    num_workers: Optional[int] = None
    views: str = '1x1'
    pretrained: str = 'keep'
    recipe: str = 'shared'
    seed: int = 0
    cfg_options: Optional[dict] = None
    latency_rounds: int = 20
    verbose: bool = False


def log(message: str = '') -> None:
    """Print a line at once (the runs are long)."""
    print(message, flush=True)


def duration(seconds: float) -> str:
    """``75`` -> ``'1:15'``."""
    return '{}:{:02d}'.format(*divmod(int(round(seconds)), 60))


def failure_line(error: BaseException) -> str:
    """Why a contender failed, on one line: an error re-raised from a data
    loader worker by its original last line (the bad-video policy's, which
    names the video), missing compiled mmcv ops said plainly."""
    lines = [line.strip() for line in str(error).splitlines()
             if line.strip()] or ['']
    if 'DataLoader worker' in lines[0]:
        return lines[-1][:300]
    if 'mmcv.ops' in lines[0] or 'mmcv._ext' in lines[0]:
        return ('needs compiled mmcv ops (mmcv.ops), and only mmcv-lite is '
                'installed (install the full mmcv 2.1 to run it)')
    text = lines[0]
    if isinstance(error, KeyError):  # the registry's, quoted, with advice
        text = text.strip('"\'').split('. Please ')[0]
    return f'{type(error).__name__}: {text}'[:300]


def setup_registries() -> None:
    """The plugin's and MMAction2's registries, ``mmaction`` the scope."""
    import tdn_plugin
    tdn_plugin.register_all_modules(init_default_scope=True)


# One contender ---------------------------------------------------------------
def load_contender(config: Union[str, Path], settings: CompareSettings):
    """Load a config, merge ``cfg_options``, refuse what cannot run here,
    and keep (checked: they load) or clear its pretrained weights.

    Raises:
        CompareError: A test-only config, a model that needs compiled mmcv
            ops where only mmcv-lite is installed, an input size a model
            cannot take, or pretrained weights that cannot be loaded
            (naming ``--pretrained none``).
    """
    from mmengine.config import Config
    from mmengine.runner.checkpoint import CheckpointLoader

    from tdn_plugin.utils.config_path import resolve_config
    cfg = Config.fromfile(resolve_config(str(config)))
    cfg.merge_from_dict(settings.cfg_options or {})
    if not cfg.get('train_dataloader') or not cfg.get('train_cfg'):
        raise CompareError('a test-only config (no train_dataloader or '
                           'train_cfg): nothing to train')
    backbone = (cfg.model.get('backbone') or {}).get('type')
    if backbone in NEEDS_MMCV_OPS:
        try:
            import mmcv.ops  # noqa: F401
        except ImportError:
            raise CompareError(
                f'{backbone} needs the compiled mmcv op '
                f'{NEEDS_MMCV_OPS[backbone]} (mmcv.ops), and only mmcv-lite '
                'is installed (install the full mmcv 2.1 to run it)'
            ) from None
    fixed = FIXED_INPUT_SIZE.get(backbone)
    if fixed and settings.input_size not in (None, fixed):
        raise CompareError(
            f'{backbone} takes {fixed}x{fixed} input only (its fully '
            f'connected layers are sized for it): give --input-size {fixed}')
    sources = edit.pretrained_sources(cfg, settings.pretrained == 'none')
    for source in sources if settings.pretrained == 'keep' else ():
        try:  # a download lands in the cache the model then loads from
            CheckpointLoader.load_checkpoint(source, map_location='cpu',
                                             logger='silent')
        except Exception as error:  # noqa: BLE001  any cause, one line
            raise CompareError(
                f'cannot load the pretrained weights {source} ('
                f'{failure_line(error)}): give --pretrained none to train '
                'from scratch') from None
    return cfg


def prepare_config(config: Union[str, Path], work_dir: Union[str, Path],
                   settings: CompareSettings,
                   num_classes: Optional[int] = None,
                   recipe: Optional[dict] = None):
    """Load a config and put it on the comparison's budget (see the module
    docstring).

    Args:
        config (str | Path): The config (file or ``mmaction::...``).
        work_dir (str | Path): The model's work directory.
        settings (CompareSettings): What to make equal.
        num_classes (int, optional): Classes of the data. Defaults to None.
        recipe (dict, optional): The shared recipe (``recipe_of`` the first
            config); unused with ``recipe='own'``. Defaults to None.

    Returns:
        mmengine.Config: The config to build the Runner from.
    """
    from tdn_plugin.utils.checks import check_config
    from tdn_plugin.utils.views import set_test_views
    cfg = load_contender(config, settings)
    edit.set_data(cfg, settings.data_root, settings.train_list,
                  settings.val_list)
    if is_video_list(settings.train_list or settings.val_list):
        edit.read_videos(cfg)
    if num_classes is not None:
        edit.set_num_classes(cfg, num_classes)
    if settings.input_size is not None:
        edit.set_input_size(cfg, settings.input_size)
    if recipe is not None and settings.recipe == 'shared':
        edit.set_recipe(cfg, recipe)
    if settings.epochs is not None:
        edit.set_epochs(cfg, settings.epochs)
    for loader in edit.loaders_of(cfg):
        if settings.batch_size is not None:
            loader.batch_size = settings.batch_size
        if settings.num_workers is not None:
            loader.num_workers = settings.num_workers
            loader.persistent_workers = settings.num_workers > 0
    edit.scale_lr_to_batch(cfg)
    edit.test_segments_as_trained(cfg)
    set_test_views(cfg, settings.views)
    edit.set_bad_video_policy(cfg)
    edit.test_once(cfg, str(Path(work_dir) / PREDICTIONS_FILE))
    cfg.update(work_dir=str(work_dir), launcher='none',
               randomness=dict(seed=settings.seed))
    check_config(cfg)
    return cfg


def is_video_list(path: Optional[str]) -> bool:
    """Whether a list's first entry is a video file (not a frame folder)."""
    from tdn_plugin.utils.video_io import read_video_list
    try:
        entries = read_video_list(path) if path else []
    except (OSError, ValueError):
        return False
    return bool(entries) and entries[0][0].lower().endswith(
        edit.VIDEO_SUFFIXES)


def train_times(work_dir: Union[str, Path]) -> Tuple[float, float]:
    """(data_s, compute_s): seconds the last training in ``work_dir``
    waited for data and computed, from mmengine's ``scalars.json`` (each
    logged ``time`` and ``data_time`` is a mean over the iterations since
    the previous log); NaNs without a training log."""
    for path in sorted(Path(work_dir).glob('*/vis_data/scalars.json'),
                       reverse=True):
        data_s = total_s = 0.0
        last_step = 0
        for entry in map(json.loads, path.read_text().splitlines()):
            if 'loss' in entry and 'time' in entry:  # a training iteration
                step = int(entry.get('step', last_step + 1))
                count, last_step = max(step - last_step, 1), step
                data_s += entry.get('data_time', 0.0) * count
                total_s += entry['time'] * count
        if total_s:
            return data_s, total_s - data_s
    return math.nan, math.nan


def run_runner(cfg, name: str, verbose: bool,
               checkpoint: Optional[str] = None):
    """Train (or load ``checkpoint``) and test ``cfg`` with its Runner.

    Returns:
        tuple: The model and ``{'train_s', 'test_s', 'metrics'}``.
    """
    from mmengine.model import is_model_wrapper

    from tdn_plugin.utils.checks import load_checkpoint_strictly
    runner = build_runner(cfg, verbose, name)
    times = [time.perf_counter()]
    if checkpoint is None:
        runner.train()
    else:
        load_checkpoint_strictly(runner, checkpoint)
    times.append(time.perf_counter())
    metrics = runner.test()
    times.append(time.perf_counter())
    model = runner.model.module if is_model_wrapper(runner.model) \
        else runner.model
    del runner  # and its data loader workers
    gc.collect()
    return model, dict(
        train_s=times[1] - times[0] if checkpoint is None else math.nan,
        test_s=times[2] - times[1],
        metrics={k: float(v) for k, v in metrics.items()})


# Measurements ----------------------------------------------------------------
def measure_one(model: torch.nn.Module, cfg) -> Tuple[dict, Callable]:
    """Parameters, MACs and frames of one view, the model's kind, and the
    task the latency times: the inference form
    (:func:`tdn_plugin.models.fuse_for_inference`), backbone + head, on
    one view of the first test video, batch 1
    (:func:`tdn_plugin.utils.timing.inference_task`).

    The view is decoded, preprocessed and made contiguous: ``(1, frames,
    C, H, W)`` for 2D recognizers, ``(1, 1, C, T, H, W)`` for 3D ones
    (MMAction2's pipeline hands the model a channels-last strided tensor,
    which would bill a plain ResNet for a copy).
    """
    from tdn_plugin.models import fuse_for_inference
    from tdn_plugin.utils.complexity import model_complexity
    from tdn_plugin.utils.timing import inference_task
    from tdn_plugin.utils.views import count_test_views
    model.eval()
    views = count_test_views(cfg) or 1
    inputs = model.data_preprocessor(one_clip(cfg), False)['inputs']
    x = inputs[:, :inputs.shape[1] // views].contiguous()
    counted = model_complexity(model, view=x[0])
    three_d = x.dim() == 6  # (N, views, C, T, H, W)
    return dict(params=counted['params'], gmacs=counted['gmacs'],
                frames_per_view=x.shape[3] if three_d else x.shape[1],
                kind='3D' if three_d else '2D', views=views,
                device=x.device.type), \
        inference_task(fuse_for_inference(model), x)


def measure(comparison: 'Comparison') -> Tuple[Dict[str, dict], object]:
    """:func:`measure_one` of each trained model (one that cannot be
    measured fails), the latencies timed side by side
    (:func:`tdn_plugin.utils.timing.time_side_by_side`).

    Returns:
        tuple: name -> numbers, and the LoadMonitor of the timing.
    """
    from tdn_plugin.utils.timing import LoadMonitor, time_side_by_side
    results, tasks = {}, {}
    for name, (model, cfg) in list(comparison.trained.items()):
        try:
            results[name], tasks[name] = measure_one(model, cfg)
        except Exception as error:  # noqa: BLE001  one line, others go on
            comparison.fail(name, error)
    device = 'cuda' if any(r['device'] == 'cuda'
                           for r in results.values()) else 'cpu'
    with LoadMonitor() as load:
        timings = time_side_by_side(tasks, comparison.settings.latency_rounds,
                                    warmup=2, device=device)
    for name, timing in timings.items():
        results[name]['latency'] = timing.json()
    return results, load


# The comparison --------------------------------------------------------------
def unique_names(configs: Sequence[Union[str, Path]]) -> List[str]:
    """A short name per config: its file name without ``.py`` (numbered
    where two are alike)."""
    names: List[str] = []
    for config in configs:
        name = base = Path(config).stem
        number = 2
        while name in names:
            name, number = f'{base}-{number}', number + 1
        names.append(name)
    return names


def resolve_classes(settings: CompareSettings, cfg=None) -> dict:
    """``classes`` (names or None) and ``families`` (name -> class indices,
    or None) of the data: the files given, else ``classes.txt`` and
    ``families.json`` next to the classes file, the data or the lists."""
    from tdn_plugin.utils.video_io import read_class_names
    places = [Path(p).parent for p in (settings.classes, settings.val_list,
                                       settings.train_list) if p]
    if settings.data_root:
        places += [Path(settings.data_root), Path(settings.data_root).parent]
    if cfg is not None:
        places += [Path(d.ann_file).parent for split, d in
                   edit.datasets_of(cfg, ('test', )) if d.get('ann_file')]
    files = [Path(settings.classes)] if settings.classes else [
        p / 'classes.txt' for p in places if (p / 'classes.txt').is_file()]
    if not files:
        return dict(classes=None, families=None)
    classes = read_class_names(files[0])
    families = load_families(settings.families, classes) \
        if settings.families else find_families(places, classes)
    return dict(classes=classes, families=families)


@dataclass
class Comparison:
    """A comparison under way: what :func:`compare` and
    :func:`report_work_dirs` collect and :func:`finish` reports."""

    work_dir: Path
    settings: CompareSettings
    names: List[str]
    title: Optional[str] = None
    lines: Sequence[Tuple[float, str]] = ()
    extra: dict = field(default_factory=dict)
    info: dict = field(default_factory=dict)  # classes, families
    trained: Dict[str, tuple] = field(default_factory=dict)
    runs: Dict[str, dict] = field(default_factory=dict)
    failed: Dict[str, str] = field(default_factory=dict)
    start: float = field(default_factory=time.perf_counter)
    phase_s: Dict[str, float] = field(default_factory=dict)

    def phase(self, name: str) -> None:
        """Note the end of a phase (``prepare``, ``runs``, ``measure``):
        the wall time of each goes into ``results.json``."""
        self.phase_s[name] = round(time.perf_counter() - self.start - sum(
            self.phase_s.values()), 2)

    def fail(self, name: str, error: BaseException) -> None:
        """Note a contender that failed, on one line."""
        self.failed[name] = failure_line(error)
        self.trained.pop(name, None)
        log(f'{name}: FAILED: {self.failed[name]}')


def prepare_all(comparison: Comparison,
                configs: Sequence) -> Dict[str, tuple]:
    """Every config prepared before any training, so that one that cannot
    run is said at once; the first one's recipe is the shared one.

    Returns:
        dict: name -> (config, prepared config), of those that can start.
    """
    settings, info = comparison.settings, comparison.info
    prepared, recipe = {}, None
    for name, config in zip(comparison.names, configs):
        try:
            cfg = prepare_config(
                config, comparison.work_dir / name, settings,
                len(info['classes']) if info.get('classes') else None,
                recipe)
            if not info:
                info.update(resolve_classes(settings, cfg))
                if info['classes']:
                    edit.set_num_classes(cfg, len(info['classes']))
        except Exception as error:  # noqa: BLE001  one line, others go on
            comparison.fail(name, error)
            continue
        if recipe is None:
            recipe = edit.recipe_of(cfg)
            comparison.extra['recipe'] = dict(
                edit.recipe_summary(cfg), mode=settings.recipe,
                source=str(config) if settings.recipe == 'shared' else None)
        prepared[name] = (config, cfg)
    return prepared


def compare(configs: Sequence[Union[str, Path]],
            work_dir: Union[str, Path],
            settings: Optional[CompareSettings] = None,
            names: Optional[Sequence[str]] = None,
            title: Optional[str] = None,
            on_trained: Optional[Callable] = None,
            lines: Sequence[Tuple[float, str]] = (),
            classes_info: Optional[dict] = None,
            extra_settings: Optional[dict] = None) -> dict:
    """Train, test, measure and report every config (module docstring).

    Args:
        configs (Sequence[str | Path]): Files or ``mmaction::...``.
        work_dir (str | Path): The report, each run in ``work_dir/NAME``.
        settings (CompareSettings, optional): Defaults to the defaults.
        names (Sequence[str], optional): Defaults to the file names.
        title (str, optional): The chart's title. Defaults to None.
        on_trained (callable, optional): Called with (name, run, number,
            count) after each model's run. Defaults to None.
        lines (Sequence[tuple]): (top-1, label) reference lines of the
            chart, e.g. chance. Defaults to none.
        classes_info (dict, optional): ``classes`` and ``families`` of the
            data. Defaults to :func:`resolve_classes`.
        extra_settings (dict, optional): More settings. Defaults to None.

    Returns:
        dict: ``results``, ``failed`` (name -> why), ``files``, ``trained``
        (name -> (model, cfg)), ``total_s``, ``load`` (LoadMonitor).
    """
    settings = settings or CompareSettings()
    if not configs:
        raise CompareError('no configs to compare')
    names = list(names) if names else unique_names(configs)
    if len(set(names)) != len(names):
        raise CompareError(f'a model is named twice in {" ".join(names)}')
    comparison = Comparison(Path(work_dir), settings, names, title, lines,
                            dict(extra_settings or {}),
                            dict(classes_info or {}))
    setup_registries()
    prepared = prepare_all(comparison, configs)
    comparison.phase('prepare')
    for number, (name, (config, cfg)) in enumerate(prepared.items(), 1):
        log(f'\n[{number}/{len(prepared)}] {name}: training {config}: '
            f'{cfg.train_cfg.max_epochs} epochs, batch '
            f'{cfg.train_dataloader.batch_size} ...')
        try:
            model, run = run_runner(cfg, name, settings.verbose)
        except Exception as error:  # noqa: BLE001  one line, others go on
            comparison.fail(name, error)
            continue
        run.update(config=str(config), protocol=settings.views)
        Path(cfg.work_dir, RUN_FILE).write_text(json.dumps(run, indent=2))
        comparison.runs[name] = run
        comparison.trained[name] = (model, cfg)
        if on_trained is not None:
            on_trained(name, run, number, len(prepared))
    comparison.phase('runs')
    return finish(comparison)


def build_result(name: str, cfg, run: dict, measured: dict,
                 info: dict) -> reports.ModelResult:
    """A model's result from its dumped predictions, logs, config and
    measurements."""
    work_dir = Path(cfg.work_dir)
    scores, labels = reports.read_predictions(work_dir / PREDICTIONS_FILE)
    acc = reports.accuracy(scores, labels, info.get('families'))
    data_s, compute_s = train_times(work_dir)
    return reports.ModelResult(
        name=name, config=display_path(run['config']),
        kind=measured['kind'],
        init=', '.join(edit.pretrained_sources(cfg)) or 'scratch',
        protocol=run.get('protocol', '?'), views=measured['views'],
        top1=acc.top1, top5=acc.top5, mean_class=acc.mean_class,
        params=measured['params'], gmacs=measured['gmacs'],
        frames_per_view=measured['frames_per_view'],
        latency=measured['latency'], latency_device=measured['device'],
        train_s=run.get('train_s', math.nan),
        test_s=run.get('test_s', math.nan), data_s=data_s,
        compute_s=compute_s, families=acc.families, confusion=acc.confusion,
        recipe=edit.recipe_summary(cfg), work_dir=str(work_dir),
        checkpoint=run.get('checkpoint', ''))


def run_settings(comparison: Comparison, results: Sequence,
                 load: Optional[dict]) -> dict:
    """The ``settings`` of ``results.json``: what was run, where, how."""
    from tdn_plugin.utils.timing import machine_info, package_versions
    classes = comparison.info.get('classes')
    families = comparison.info.get('families') or {}
    return dict(
        asdict(comparison.settings), threads=torch.get_num_threads(),
        versions=package_versions(),
        machine=machine_info(results[0].latency_device if results else 'cpu'),
        load_while_timing=load,
        total_s=round(time.perf_counter() - comparison.start, 1),
        wall_s_per_model={r.name: round(r.train_s + r.test_s, 1)
                          if math.isfinite(r.train_s) else None
                          for r in results},
        classes=classes, families={k: [classes[i] for i in v]
                                   for k, v in families.items()} or None,
        phase_s=comparison.phase_s, **comparison.extra)


def finish(comparison: Comparison) -> dict:
    """Measure the models side by side, make their results, write and
    print the one report (for :func:`compare` and
    :func:`report_work_dirs`)."""
    results: List[reports.ModelResult] = []
    load = None
    if comparison.trained:
        log(f'\nmeasuring MACs and latency side by side (batch 1, '
            f'{comparison.settings.latency_rounds} rounds) ...')
        measured, load = measure(comparison)
        for name, (model, cfg) in list(comparison.trained.items()):
            try:
                results.append(build_result(name, cfg, comparison.runs[name],
                                            measured[name], comparison.info))
            except Exception as error:  # noqa: BLE001  one line
                comparison.fail(name, error)
    comparison.phase('measure')
    failed = {n: comparison.failed[n] for n in comparison.names
              if n in comparison.failed}
    data = comparison.settings.val_list or "each config's own data"
    title = comparison.title or f'{len(results)} models on {data}'
    note = measurement_note(load)
    files = reports.write_report(
        results, failed, comparison.work_dir,
        run_settings(comparison, results, load and load.json()), title,
        comparison.info.get('classes'), comparison.lines, note)
    reports.print_report(results, failed, files, note)
    return dict(results=results, failed=failed, files=files,
                trained=comparison.trained, load=load,
                total_s=time.perf_counter() - comparison.start)


def measurement_note(load=None) -> str:
    """What the table's costs are, and how busy the machine was."""
    threads = torch.get_num_threads()
    warning = load.warning() if load is not None else None
    return (f'ms/view: inference form (backbone + head, inference mode) on '
            f'one decoded view, batch 1, {threads} thread'
            f'{"s" if threads > 1 else ""}, median, all models side by side '
            "in one process; GMACs: mmengine's counter, per view, times the "
            'views of the test protocol; frames/view: frames decoded per '
            'view; data s / compute s: training time waiting for data vs '
            'computing, from the logs.'
            + (f'\nwarning: {warning}' if warning else ''))


def display_path(path: Union[str, Path]) -> str:
    """A config as given when it is no file (``mmaction::...``), else
    relative to the working directory when below it."""
    if not Path(path).is_file():
        return str(path)
    path = Path(path).resolve()
    return str(path.relative_to(Path.cwd())) \
        if path.is_relative_to(Path.cwd()) else str(path)


# Finished runs ---------------------------------------------------------------
def reload_run(name: str, run_dir: Path, comparison: Comparison) -> None:
    """A finished ``tdn train``/``tdn compare`` run into ``comparison``:
    its dumped config and best (else last) checkpoint; its test
    predictions where ``tdn compare`` dumped them with the same protocol
    after the checkpoint, else a new test.

    Raises:
        CompareError: No dumped config or no checkpoint in ``run_dir``.
    """
    from mmaction.registry import MODELS
    from mmengine.config import Config
    from mmengine.runner import find_latest_checkpoint

    from tdn_plugin.utils.checks import load_checkpoint_strictly
    from tdn_plugin.utils.views import set_test_views
    configs = sorted(run_dir.glob('*.py'), key=lambda p: p.stat().st_mtime)
    best = sorted(run_dir.glob('best_*.pth'), key=lambda p: p.stat().st_mtime)
    checkpoint = best[-1] if best else find_latest_checkpoint(str(run_dir))
    if not configs or not checkpoint:
        raise CompareError(f'{run_dir}: no dumped config (*.py) or no '
                           'checkpoint (best_*.pth, last_checkpoint)')
    checkpoint = run_dir / Path(checkpoint).name
    cfg = Config.fromfile(str(configs[-1]))
    if not comparison.info:
        comparison.info.update(resolve_classes(comparison.settings, cfg))
    run_file = run_dir / RUN_FILE
    run = json.loads(run_file.read_text()) if run_file.is_file() else {}
    predictions = run_dir / PREDICTIONS_FILE
    fresh = (predictions.is_file()
             and run.get('protocol') == comparison.settings.views
             and predictions.stat().st_mtime >= checkpoint.stat().st_mtime)
    set_test_views(cfg, comparison.settings.views)
    edit.dump_predictions(cfg, str(predictions))
    cfg.update(work_dir=str(run_dir), launcher='none', load_from=None,
               val_dataloader=None, val_cfg=None, val_evaluator=None)
    if fresh:
        model = load_checkpoint_strictly(MODELS.build(cfg.model),
                                         str(checkpoint))
    else:
        log(f'{name}: testing {checkpoint} ...')
        model, tested = run_runner(cfg, name, comparison.settings.verbose,
                                   str(checkpoint))
        run['test_s'] = tested['test_s']
    comparison.runs[name] = dict(run, config=str(configs[-1]),
                                 protocol=comparison.settings.views,
                                 checkpoint=str(checkpoint))
    comparison.trained[name] = (model, cfg)


def report_work_dirs(work_dirs: Sequence[Union[str, Path]],
                     work_dir: Union[str, Path],
                     settings: Optional[CompareSettings] = None,
                     names: Optional[Sequence[str]] = None,
                     title: Optional[str] = None) -> dict:
    """The report of :func:`compare` from finished runs, without
    retraining (:func:`reload_run`); parameters, MACs and latency are
    measured again, side by side.

    Args:
        work_dirs (Sequence[str | Path]): The runs' work directories.
        work_dir (str | Path): Where the report goes.
        settings (CompareSettings, optional): ``views``, ``classes``,
            ``families``, ``latency_rounds``. Defaults to the defaults.
        names (Sequence[str], optional): Defaults to the directory names.
        title (str, optional): The chart's title. Defaults to None.

    Returns:
        dict: As :func:`compare`.
    """
    names = list(names) if names else unique_names(
        [Path(w).resolve() for w in work_dirs])
    comparison = Comparison(
        Path(work_dir), settings or CompareSettings(), names, title,
        extra=dict(from_work_dirs=[str(w) for w in work_dirs]))
    setup_registries()
    for name, run_dir in zip(names, work_dirs):
        try:
            reload_run(name, Path(run_dir), comparison)
        except Exception as error:  # noqa: BLE001  one line, others go on
            comparison.fail(name, error)
    return finish(comparison)
