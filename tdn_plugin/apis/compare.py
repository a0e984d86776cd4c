"""``tdn compare``: train and test MMAction2 recognizer configs under one
budget with mmengine's Runner, measure them side by side, and report.

Every config runs as it is (pipeline, schedule, model) except for what the
comparison makes equal: the data (``--data-root``/``--train-list``/
``--val-list``/``--classes``), the epochs, the input size, the seed and the
test protocol (``--views``). Each model is tested once after training, on
the val list; its predictions are dumped in its work directory
(``test_predictions.pkl``), and every accuracy of the report (top-1, top-5,
mean class, per family, confusion) is computed from them. Parameters and
MACs come from mmengine's counter (:mod:`tdn_plugin.utils.complexity`);
latency from the side-by-side timer (:mod:`tdn_plugin.utils.timing`), all
models in one process. A config that fails (to load, build, train or test)
is reported with its name on one line and the others still run.

:func:`report_work_dirs` builds the same report from finished runs
(``tdn train`` or ``tdn compare`` work directories) without retraining.
"""
import gc
import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch

from tdn_plugin.engine.runner import build_runner
from tdn_plugin.utils.config_edit import (
    datasets_of,
    loaders_of,
    set_epochs,
    set_input_size,
    set_num_classes,
)

from . import report as reports
from .data import find_families, one_clip, read_classes

PREDICTIONS_FILE = 'test_predictions.pkl'
RUN_FILE = 'compare_run.json'

# backbone type -> the mmcv op it needs at run time (absent in mmcv-lite)
NEEDS_MMCV_OPS = {'ResNetTIN': 'tin_shift'}


class CompareError(ValueError):
    """A comparison that cannot start (no configs, bad arguments)."""


@dataclass
class CompareSettings:
    """What the comparison makes equal for every config (None: keep each
    config's own).

    Args:
        data_root (str, optional): Directory of the videos (``data_prefix``
            of every split). Defaults to None.
        train_list (str, optional): Training list (VideoDataset format).
            Defaults to None.
        val_list (str, optional): Test list (also the val list). Defaults
            to None.
        classes (str, optional): Class names file; sets the classes of every
            head. Defaults to None.
        families (str, optional): ``families.json`` (family -> class names).
            Defaults to None (looked for next to the classes file, in the
            data root and next to the lists).
        epochs (int, optional): Training epochs. Defaults to None.
        input_size (int, optional): Square input size. Defaults to None.
        batch_size (int, optional): Batch of every loader. Defaults to None.
        num_workers (int, optional): Workers of every loader. Defaults to
            None.
        views (str, optional): Test protocol ``1x1``, ``3crop`` or ``10x3``
            (:mod:`tdn_plugin.utils.views`). Defaults to None.
        seed (int): Seed of every run. Defaults to 0.
        cfg_options (dict, optional): ``{key: value}`` merged into every
            config before the budget (e.g. ``model.backbone.pretrained``
            None, offline). Defaults to None.
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
    views: Optional[str] = None
    seed: int = 0
    cfg_options: Optional[dict] = None
    latency_rounds: int = 20
    verbose: bool = False


def log(message: str = '') -> None:
    """Print a line at once (the runs are long)."""
    print(message, flush=True)


def duration(seconds: float) -> str:
    """``75`` -> ``'1:15'``."""
    seconds = int(round(seconds))
    return f'{seconds // 60}:{seconds % 60:02d}'


def one_line(error: BaseException) -> str:
    """An exception as one line; missing compiled mmcv ops said plainly."""
    text = str(error).strip().splitlines()
    text = text[0] if text else ''
    if 'mmcv.ops' in text or 'mmcv._ext' in text:
        return ('needs compiled mmcv ops (mmcv.ops), and only mmcv-lite is '
                'installed: skipped (install the full mmcv 2.1 to run it)')
    text = text.strip('"\'').split('. Please ')[0]  # registry KeyErrors
    return f'{type(error).__name__}: {text}'[:300]


def setup_registries() -> None:
    """Registries and default scope, as MMAction2's tools do."""
    from mmaction.utils import register_all_modules
    from mmengine.registry import init_default_scope

    import tdn_plugin  # noqa: F401  (first: repairs the PyPI stack)
    register_all_modules(init_default_scope=False)
    init_default_scope('mmaction')


def mmcv_ops_available() -> bool:
    """Whether mmcv's compiled ops import (full mmcv, not mmcv-lite)."""
    try:
        import mmcv.ops  # noqa: F401
    except Exception:  # ImportError, or a broken build
        return False
    return True


# Config edits (the generic ones: tdn_plugin.utils.config_edit) ----------
def set_data(cfg, settings: CompareSettings) -> None:
    """Point every split at the comparison's data."""
    for split, dataset in datasets_of(cfg):
        if settings.data_root is not None:
            dataset.data_prefix = dict(video=str(settings.data_root))
        ann = settings.train_list if split == 'train' else settings.val_list
        if ann is not None:
            dataset.ann_file = str(ann)


def temporal_parts(cfg) -> Optional[Dict[str, bool]]:
    """Which of TDN's temporal parts a config's backbone has (None if it is
    no ResNetTDN)."""
    backbone = cfg.model.get('backbone') or {}
    if backbone.get('type') != 'ResNetTDN':
        return None
    return {
        'S-TDM': backbone.get('with_short_term_tdm', True),
        'L-TDM': backbone.get('with_long_term_tdm', True),
        'temporal conv': backbone.get('with_temporal_conv', True),
    }


def dump_predictions(cfg, work_dir: Union[str, Path]) -> None:
    """Make the test also dump its predictions (MMAction2's DumpResults) to
    ``work_dir/test_predictions.pkl`` (instead of any other dump)."""
    evaluators = cfg.test_evaluator
    if not isinstance(evaluators, (list, tuple)):
        evaluators = [evaluators]
    evaluators = [e for e in evaluators if e.get('type') != 'DumpResults']
    evaluators.append(dict(type='DumpResults',
                           out_file_path=str(Path(work_dir) /
                                             PREDICTIONS_FILE)))
    cfg.test_evaluator = evaluators


def prepare_config(config: Union[str, Path], work_dir: Union[str, Path],
                   settings: CompareSettings,
                   num_classes: Optional[int] = None):
    """Load a config and apply the comparison's budget to it.

    Each model is tested once, after training (on the val list), so the
    in-training validation is switched off; only the last checkpoint is
    kept, without the optimiser state; the test predictions are dumped in
    the work directory.

    Args:
        config (str | Path): The config file.
        work_dir (str | Path): The model's work directory.
        settings (CompareSettings): What to make equal.
        num_classes (int, optional): Classes of the data. Defaults to None
            (the config's).

    Returns:
        mmengine.Config: The config to build the Runner from.

    Raises:
        CompareError: A model that cannot run here (compiled mmcv ops).
    """
    from mmengine.config import Config

    from tdn_plugin.utils.checks import check_config
    from tdn_plugin.utils.config_path import (
        ConfigNotFoundError,
        resolve_config,
    )
    from tdn_plugin.utils.views import set_test_views
    try:
        cfg = Config.fromfile(resolve_config(str(config)))
    except ConfigNotFoundError as error:
        raise CompareError(str(error)) from None
    if settings.cfg_options:
        cfg.merge_from_dict(settings.cfg_options)
    backbone_type = (cfg.model.get('backbone') or {}).get('type')
    if backbone_type in NEEDS_MMCV_OPS and not mmcv_ops_available():
        raise CompareError(
            f'{backbone_type} needs the compiled mmcv op '
            f'{NEEDS_MMCV_OPS[backbone_type]} (mmcv.ops), and only mmcv-lite '
            'is installed: skipped (install the full mmcv 2.1 to run it)')
    set_data(cfg, settings)
    if num_classes is not None:
        set_num_classes(cfg, num_classes)
    if settings.input_size is not None:
        set_input_size(cfg, settings.input_size)
    if settings.epochs is not None:
        set_epochs(cfg, settings.epochs)
    if settings.views is not None:
        set_test_views(cfg, settings.views)
    for loader in loaders_of(cfg):
        if settings.batch_size is not None:
            loader.batch_size = settings.batch_size
        if settings.num_workers is not None:
            loader.num_workers = settings.num_workers
            loader.persistent_workers = settings.num_workers > 0
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    if cfg.get('train_cfg'):
        cfg.train_cfg.pop('val_begin', None)
        cfg.train_cfg.pop('val_interval', None)
    cfg.default_hooks.checkpoint.update(
        interval=cfg.train_cfg.max_epochs,
        max_keep_ckpts=1,
        save_best=None,
        save_optimizer=False,
        save_param_scheduler=False)
    dump_predictions(cfg, work_dir)
    cfg.randomness = dict(seed=settings.seed)
    cfg.work_dir = str(work_dir)
    cfg.launcher = 'none'
    check_config(cfg)
    return cfg


# Runs ------------------------------------------------------------------------
def unwrap(model: torch.nn.Module) -> torch.nn.Module:
    """The model inside a DDP-like wrapper."""
    from mmengine.model import is_model_wrapper
    return model.module if is_model_wrapper(model) else model


def read_predictions(path: Union[str, Path]) -> Tuple[np.ndarray,
                                                      np.ndarray]:
    """(scores (videos, classes), labels) of a DumpResults pickle."""
    from tdn_plugin.utils.safe_pickle import load_results
    samples = load_results(str(path))
    scores = np.stack([np.asarray(s['pred_score'], dtype=np.float64)
                       for s in samples])
    labels = np.array([int(np.asarray(s['gt_label']).reshape(-1)[0])
                       for s in samples])
    return scores, labels


def train_times(work_dir: Union[str, Path]) -> Tuple[float, float]:
    """Seconds the last training in ``work_dir`` spent waiting for data and
    computing, from mmengine's ``scalars.json`` (each logged ``time`` and
    ``data_time`` is a mean over the iterations since the previous log).

    Returns:
        tuple: (data_s, compute_s); NaNs where no training log is found.
    """
    logs = sorted(Path(work_dir).glob('*/vis_data/scalars.json'))
    for path in reversed(logs):
        data_s = total_s = 0.0
        last_step = 0
        for line in path.read_text().splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if 'loss' not in entry or 'time' not in entry:
                continue  # not a training iteration
            step = int(entry.get('step', entry.get('iter', last_step + 1)))
            count = max(step - last_step, 1)
            last_step = step
            data_s += entry.get('data_time', 0.0) * count
            total_s += entry['time'] * count
        if total_s:
            return data_s, total_s - data_s
    return float('nan'), float('nan')


def train_and_test(name: str, cfg, step: str, verbose: bool = False):
    """Train and test one config with mmengine's Runner.

    Returns:
        tuple: The trained model and a dict of ``train_s``, ``test_s``,
        ``metrics`` (the runner's test metrics).
    """
    batch = cfg.train_dataloader.batch_size
    log(f'\n{step}: training {cfg.filename}: {cfg.train_cfg.max_epochs} '
        f'epochs, batch {batch} ...')
    runner = build_runner(cfg, verbose, name)
    tick = time.perf_counter()
    runner.train()
    train_s = time.perf_counter() - tick
    log(f'{step}: testing ...')
    tick = time.perf_counter()
    metrics = runner.test()
    test_s = time.perf_counter() - tick
    model = unwrap(runner.model)
    del runner  # and its data loader workers
    gc.collect()
    run = dict(train_s=train_s, test_s=test_s,
               metrics={k: float(v) for k, v in metrics.items()})
    Path(cfg.work_dir, RUN_FILE).write_text(json.dumps(run, indent=2) + '\n')
    return model, run


def retest_checkpoint(cfg, checkpoint: str, work_dir: Union[str, Path],
                    verbose: bool = False):
    """Test ``checkpoint`` (loaded strictly) with ``cfg``, dumping the
    predictions in ``work_dir``.

    Returns:
        tuple: The model and a dict of ``test_s``, ``metrics``.
    """
    from tdn_plugin.utils.checks import load_checkpoint_strictly
    dump_predictions(cfg, work_dir)
    cfg.work_dir = str(work_dir)
    cfg.load_from = None
    cfg.launcher = 'none'
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    runner = build_runner(cfg, verbose)
    load_checkpoint_strictly(runner, checkpoint)
    tick = time.perf_counter()
    metrics = runner.test()
    test_s = time.perf_counter() - tick
    model = unwrap(runner.model)
    del runner
    gc.collect()
    return model, dict(test_s=test_s,
                       metrics={k: float(v) for k, v in metrics.items()})


# Measurements ----------------------------------------------------------------
def view_input(model: torch.nn.Module, cfg) -> torch.Tensor:
    """One view (batch 1) of the first test video, decoded, preprocessed
    and made contiguous: what the latency is timed on. (MMAction2's
    pipeline hands the model a channels-last strided tensor, which makes a
    plain ResNet about 1.5x slower on CPU while models whose first op copies
    the frames do not pay for it.)"""
    from tdn_plugin.utils.complexity import frames_per_view
    data = model.data_preprocessor(one_clip(cfg), False)
    frames = frames_per_view(model, cfg, default=data['inputs'].shape[1])
    return data['inputs'][:, :frames].contiguous()


def measure(models: Dict[str, Tuple[torch.nn.Module, object]],
            rounds: int = 20) -> Tuple[Dict[str, dict], dict]:
    """Parameters, MACs per view, views and latency per view of each model,
    all timed side by side (:func:`tdn_plugin.utils.timing.
    time_side_by_side`: network inference, backbone + head, batch 1,
    ``torch.inference_mode``).

    Args:
        models (dict): name -> (trained recognizer, its config).
        rounds (int): Timed rounds. Defaults to 20.

    Returns:
        tuple: name -> numbers, and the load during the timing
        (:class:`~tdn_plugin.utils.timing.LoadMonitor`'s json).
    """
    from tdn_plugin.utils.complexity import model_complexity
    from tdn_plugin.utils.timing import LoadMonitor, time_side_by_side
    from tdn_plugin.utils.views import count_test_views
    results, tasks = {}, {}
    for name, (model, cfg) in models.items():
        model.eval()
        x = view_input(model, cfg)
        counted = model_complexity(model, tuple(x.shape[-2:]), cfg)
        results[name] = dict(params=counted['params'],
                             gmacs=counted['gmacs'],
                             frames_per_view=counted['frames'],
                             views=count_test_views(cfg) or 1,
                             device=x.device.type)

        def task(model=model, x=x):
            with torch.inference_mode():
                model.extract_feat(x, stage='head', test_mode=True)

        tasks[name] = task
    device = 'cuda' if any(r['device'] == 'cuda'
                           for r in results.values()) else 'cpu'
    with LoadMonitor() as load:
        timings = time_side_by_side(tasks, rounds, warmup=2, device=device)
    for name, timing in timings.items():
        results[name]['latency'] = timing.json()
    return results, load


# The comparison --------------------------------------------------------------
def unique_names(configs: Sequence[Union[str, Path]]) -> List[str]:
    """A short name per config: its file name without ``.py`` (numbered
    where two are alike)."""
    names: List[str] = []
    for config in configs:
        name = Path(config).stem
        base, number = name, 2
        while name in names:
            name, number = f'{base}-{number}', number + 1
        names.append(name)
    return names


def resolve_classes(settings: CompareSettings, cfg=None) -> dict:
    """Class names and families of the comparison's data.

    Returns:
        dict: ``classes`` (names or None), ``families`` (name -> class
        indices, or None).
    """
    classes = read_classes(settings.classes) if settings.classes else None
    places = []
    if settings.classes:
        places.append(Path(settings.classes).parent)
    if settings.data_root:
        places += [Path(settings.data_root), Path(settings.data_root).parent]
    lists = [settings.val_list, settings.train_list]
    if cfg is not None:
        lists += [dataset.get('ann_file')
                  for split, dataset in datasets_of(cfg) if split == 'test']
    places += [Path(p).parent for p in lists if p]
    if classes is None:
        for place in places:
            if (place / 'classes.txt').is_file():
                classes = read_classes(place / 'classes.txt')
                break
    families = None
    if classes is not None:
        if settings.families:
            from .data import load_families
            families = load_families(settings.families, classes)
        else:
            families = find_families(places, classes)
    return dict(classes=classes, families=families)


def build_result(name: str, config: str, cfg, run: dict, measured: dict,
                 classes_info: dict) -> reports.ModelResult:
    """A :class:`~tdn_plugin.apis.report.ModelResult` from a run's dumped
    predictions, times and measurements."""
    work_dir = Path(cfg.work_dir)
    scores, labels = read_predictions(work_dir / PREDICTIONS_FILE)
    families = classes_info.get('families')
    acc = reports.accuracy(scores, labels, families)
    data_s, compute_s = train_times(work_dir)
    return reports.ModelResult(
        name=name,
        config=config,
        top1=acc.top1,
        top5=acc.top5,
        mean_class=acc.mean_class,
        params=measured['params'],
        gmacs=measured['gmacs'],
        views=measured['views'],
        frames_per_view=measured['frames_per_view'],
        latency=measured['latency'],
        latency_device=measured['device'],
        train_s=run.get('train_s', float('nan')),
        test_s=run.get('test_s', float('nan')),
        data_s=data_s,
        compute_s=compute_s,
        families=acc.families,
        confusion=acc.confusion,
        temporal_parts=temporal_parts(cfg),
        work_dir=str(work_dir),
        checkpoint=run.get('checkpoint', ''))


def run_settings(settings: CompareSettings, total_s: float,
                 load: Optional[dict], results: Sequence,
                 extra: Optional[dict] = None) -> dict:
    """The ``settings`` of ``results.json``: what was run, where, how."""
    from tdn_plugin.utils.timing import machine_info, package_versions
    device = results[0].latency_device if results else 'cpu'
    out = dict(asdict(settings),
               threads=torch.get_num_threads(),
               versions=package_versions(),
               machine=machine_info(device),
               load_while_timing=load,
               total_s=round(total_s, 1),
               wall_s_per_model={
                   r.name: round(r.train_s + r.test_s, 1) if math.isfinite(
                       r.train_s) else None for r in results
               })
    out.update(extra or {})
    return out


def write_report(results: List[reports.ModelResult], failed: Dict[str, str],
                 work_dir: Path, classes: Optional[Sequence[str]],
                 title: str, settings: dict, chance: Optional[float] = None,
                 order_blind: Optional[float] = None) -> Dict[str, Path]:
    """Write ``results.json``, the CSV, the markdown table, the chart and
    a confusion matrix per model into ``work_dir``."""
    work_dir.mkdir(parents=True, exist_ok=True)
    files = {'results': work_dir / reports.RESULTS_FILE}
    reports.write_json(results, files['results'], settings, failed)
    if not results:  # every config failed: results.json says which, why
        return files
    files['csv'] = work_dir / reports.CSV_FILE
    files['table'] = work_dir / reports.MARKDOWN_FILE
    reports.write_csv(results, files['csv'])
    files['table'].write_text(reports.markdown_table(results) + '\n')
    files['chart'] = work_dir / reports.CHART_FILE
    reports.plot_chart(results, files['chart'], title, chance=chance,
                       order_blind=order_blind)
    names = classes or [str(i) for i in range(len(results[0].confusion))]
    for r in results:
        if r.confusion is None:
            continue
        path = work_dir / reports.CONFUSION_FILE.format(r.name)
        reports.plot_confusion(
            r.confusion, names, path,
            f'{r.name}: top-1 {reports.percent(r.top1)} on '
            f'{int(r.confusion.sum())} test videos')
        files[f'confusion_{r.name}'] = path
    return files


def print_report(results: List[reports.ModelResult], failed: Dict[str, str],
                 files: Dict[str, Path], threads: int, rounds: int,
                 load=None) -> None:
    """The table, what it measured, the failures and where files went."""
    if results:
        log('\n' + reports.format_table(results))
        device = results[0].latency_device.upper()
        log(f'\n{device} ms/view: network inference (backbone + head, '
            f'inference mode) on one decoded view, batch 1, {threads} '
            f'thread{"s" if threads > 1 else ""}, median of {rounds} '
            'rounds, all models side by side in one process; GMACs: '
            "mmengine's counter, per view, times the views of the test "
            'protocol; data s / compute s: training time waiting for data '
            'vs computing, from the logs')
        warning = load.warning() if load is not None else None
        if warning:
            log(f'warning: {warning}')
    for name, why in failed.items():
        log(f'{name}: FAILED: {why}')
    for key, path in files.items():
        if not key.startswith('confusion_'):
            log(f'{key + ":":9s} {path}')
    confusions = [p for k, p in files.items() if k.startswith('confusion_')]
    if confusions:
        log(f'confusion matrices: {confusions[0].parent}/confusion_*.png')


def compare(configs: Sequence[Union[str, Path]],
            work_dir: Union[str, Path],
            settings: Optional[CompareSettings] = None,
            names: Optional[Sequence[str]] = None,
            title: Optional[str] = None,
            on_trained: Optional[Callable] = None,
            chance: Optional[float] = None,
            order_blind: Optional[float] = None,
            classes_info: Optional[dict] = None,
            extra_settings: Optional[dict] = None) -> dict:
    """Train, test, measure and report every config (see the module
    docstring).

    Args:
        configs (Sequence[str | Path]): Config files.
        work_dir (str | Path): The report goes here, each model's run into
            ``work_dir/<name>``.
        settings (CompareSettings, optional): The shared budget. Defaults
            to ``CompareSettings()`` (each config's own).
        names (Sequence[str], optional): A name per config. Defaults to the
            file names (:func:`unique_names`).
        title (str, optional): The chart's title.
        on_trained (callable, optional): Called with (name, model, cfg,
            result) after each model is trained and tested (the demo prints
            its progress).
        chance (float, optional): Chance top-1, drawn on the chart.
        order_blind (float, optional): Best top-1 without frame order,
            drawn on the chart.
        classes_info (dict, optional): ``classes`` and ``families`` of the
            data. Defaults to :func:`resolve_classes`.
        extra_settings (dict, optional): More entries for the settings of
            ``results.json``.

    Returns:
        dict: ``results`` (list of ModelResult), ``failed`` (name -> why),
        ``files`` (key -> path), ``trained`` (name -> (model, cfg)),
        ``total_s``, ``load`` (LoadMonitor or None).
    """
    start = time.perf_counter()
    settings = settings or CompareSettings()
    if not configs:
        raise CompareError('no configs to compare')
    names = list(names) if names else unique_names(configs)
    if len(set(names)) != len(names):
        raise CompareError(f'a model is named twice in {" ".join(names)}')
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    setup_registries()
    failed: Dict[str, str] = {}
    trained: Dict[str, tuple] = {}
    runs: Dict[str, dict] = {}
    info = classes_info
    num_classes = None
    if info is not None and info.get('classes'):
        num_classes = len(info['classes'])
    elif settings.classes:
        num_classes = len(read_classes(settings.classes))
    for number, (name, config) in enumerate(zip(names, configs), 1):
        step = f'[{number}/{len(names)}] {name}'
        try:
            cfg = prepare_config(config, work_dir / name, settings,
                                 num_classes)
            if info is None:
                info = resolve_classes(settings, cfg)
            model, run = train_and_test(name, cfg, step, settings.verbose)
        except Exception as error:  # one line, and the others still run
            failed[name] = one_line(error)
            log(f'{step}: FAILED: {failed[name]}')
            continue
        runs[name] = dict(run, config=str(config))
        trained[name] = (model, cfg)
        if on_trained is not None:
            on_trained(name, model, cfg, run, number, len(names))
    return finish(names, trained, runs, failed, work_dir, settings,
                  info or {}, title, start, chance, order_blind,
                  extra_settings)


def finish(names: Sequence[str], trained: Dict[str, tuple],
           runs: Dict[str, dict], failed: Dict[str, str], work_dir: Path,
           settings: CompareSettings, info: dict, title: Optional[str],
           start: float, chance: Optional[float] = None,
           order_blind: Optional[float] = None,
           extra_settings: Optional[dict] = None) -> dict:
    """Measure the models side by side, make the results, write and print
    the report (shared by :func:`compare` and :func:`report_work_dirs`)."""
    results: List[reports.ModelResult] = []
    load = None
    if trained:
        log(f'\nmeasuring MACs and latency side by side (batch 1, '
            f'{settings.latency_rounds} rounds) ...')
        measured, load = measure(trained, settings.latency_rounds)
        for name in names:
            if name not in trained:
                continue
            cfg = trained[name][1]
            try:
                results.append(build_result(
                    name, _config_name(runs[name]['config']), cfg,
                    runs[name], measured[name], info))
            except Exception as error:
                failed[name] = one_line(error)
    classes = info.get('classes')
    if title is None:
        data = settings.val_list or "each config's own data"
        title = f'{len(results)} models on {data}'
    total_s = time.perf_counter() - start
    settings_json = run_settings(settings, total_s,
                                 load.json() if load else None, results,
                                 extra_settings)
    if classes is not None:
        settings_json['classes'] = list(classes)
    if info.get('families'):
        settings_json['families'] = {
            k: [classes[i] for i in v] for k, v in info['families'].items()}
    files = write_report(results, failed, work_dir, classes, title,
                         settings_json, chance, order_blind)
    print_report(results, failed, files, torch.get_num_threads(),
                 settings.latency_rounds, load)
    return dict(results=results, failed=failed, files=files,
                trained=trained, total_s=total_s, load=load)


def _config_name(path: Union[str, Path]) -> str:
    """``path`` relative to the working directory when below it."""
    path = Path(path).resolve()
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# Finished runs ---------------------------------------------------------------
def find_run(work_dir: Union[str, Path]) -> dict:
    """The dumped config and the best (else last) checkpoint of a finished
    ``tdn train``/``tdn compare`` run.

    Raises:
        CompareError: No config or no checkpoint in ``work_dir``.
    """
    work_dir = Path(work_dir)
    if not work_dir.is_dir():
        raise CompareError(f'not a directory: {work_dir}')
    configs = sorted(work_dir.glob('*.py'), key=lambda p: p.stat().st_mtime)
    if not configs:
        raise CompareError(f'{work_dir}: no dumped config (*.py)')
    best = sorted(work_dir.glob('best_*.pth'),
                  key=lambda p: p.stat().st_mtime)
    checkpoint = None
    if best:
        checkpoint = best[-1]
    elif (work_dir / 'last_checkpoint').is_file():
        checkpoint = Path((work_dir / 'last_checkpoint').read_text().strip())
        if not checkpoint.is_file():
            checkpoint = work_dir / checkpoint.name
    else:
        found = sorted(work_dir.glob('*.pth'), key=lambda p: p.stat().st_mtime)
        checkpoint = found[-1] if found else None
    if checkpoint is None or not checkpoint.is_file():
        raise CompareError(f'{work_dir}: no checkpoint (best_*.pth, '
                           'last_checkpoint or *.pth)')
    return dict(config=configs[-1], checkpoint=checkpoint)


def report_work_dirs(work_dirs: Sequence[Union[str, Path]],
                     work_dir: Union[str, Path],
                     settings: Optional[CompareSettings] = None,
                     names: Optional[Sequence[str]] = None,
                     title: Optional[str] = None) -> dict:
    """The report of :func:`compare` from finished runs, without retraining.

    Each run's dumped config and best (else last) checkpoint are read; its
    test predictions are those ``tdn compare`` dumped when they are newer
    than the checkpoint (and no other ``--views`` is asked), else the
    checkpoint is tested again; the data and compute times come from its
    logs. Parameters, MACs and latency are measured again, side by side.

    Args:
        work_dirs (Sequence[str | Path]): The runs' work directories.
        work_dir (str | Path): Where the report goes.
        settings (CompareSettings, optional): ``views``, ``classes``,
            ``families``, ``latency_rounds``. Defaults to
            ``CompareSettings()``.
        names (Sequence[str], optional): A name per run. Defaults to the
            directory names.
        title (str, optional): The chart's title.

    Returns:
        dict: As :func:`compare`.
    """
    from mmengine.config import Config

    from tdn_plugin.utils.views import set_test_views
    start = time.perf_counter()
    settings = settings or CompareSettings()
    names = list(names) if names else unique_names(
        [Path(w).resolve() for w in work_dirs])
    setup_registries()
    failed: Dict[str, str] = {}
    trained: Dict[str, tuple] = {}
    runs: Dict[str, dict] = {}
    info = None
    for name, run_dir in zip(names, work_dirs):
        run_dir = Path(run_dir)
        try:
            found = find_run(run_dir)
            cfg = Config.fromfile(str(found['config']))
            if info is None:
                info = resolve_classes(settings, cfg)
            run_file = run_dir / RUN_FILE
            run = json.loads(run_file.read_text()) if run_file.is_file() \
                else {}
            predictions = run_dir / PREDICTIONS_FILE
            fresh = (predictions.is_file() and settings.views is None
                     and predictions.stat().st_mtime >=
                     found['checkpoint'].stat().st_mtime)
            if settings.views is not None:
                set_test_views(cfg, settings.views)
            if fresh:
                from mmaction.registry import MODELS
                from mmengine.runner.checkpoint import _load_checkpoint

                from tdn_plugin.utils.checks import check_checkpoint
                model = MODELS.build(cfg.model)
                state = _load_checkpoint(str(found['checkpoint']),
                                         map_location='cpu')
                state = state.get('state_dict', state)
                check_checkpoint(state, model, str(found['checkpoint']))
                model.load_state_dict(state, strict=True)
                cfg.work_dir = str(run_dir)
            else:
                log(f'{name}: testing {found["checkpoint"]} ...')
                model, tested = retest_checkpoint(
                    cfg, str(found['checkpoint']), run_dir, settings.verbose)
                run['test_s'] = tested['test_s']
        except Exception as error:
            failed[name] = one_line(error)
            log(f'{name}: FAILED: {failed[name]}')
            continue
        runs[name] = dict(run, config=str(found['config']),
                          checkpoint=str(found['checkpoint']))
        trained[name] = (model, cfg)
    return finish(names, trained, runs, failed, Path(work_dir), settings,
                  info or {}, title, start,
                  extra_settings={'from_work_dirs': [str(w)
                                                     for w in work_dirs]})
