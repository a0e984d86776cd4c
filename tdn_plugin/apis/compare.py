"""``tdn compare``: train and test MMAction2 recognizer configs (2D and 3D)
under one budget with mmengine's Runner, measure them side by side, and
report: runs -> results -> one report (:class:`Comparison`).

Each config runs as it is except for what the comparison makes equal
(:class:`CompareSettings`, :func:`prepare_config`): the data and classes,
the epochs, the input size, the seed, the weights, the recipe, the
bad-video policy (skipped and named in training, scored as blank in test),
one test protocol and the video decoder. Each model is tested once after
training; its dumped predictions make every accuracy of the report
(:mod:`tdn_plugin.apis.report`). Parameters and MACs come from mmengine's
counter, latency from the side-by-side timer on the model's inference
form, all models in one process. A config that fails is named with why,
on one line, and the others still run. With ``probe``, every model is
also tested with its test videos reversed, shuffled and frozen
(:mod:`tdn_plugin.apis.probe`).
"""
import json
import math
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import torch

from tdn_plugin.engine.hooks import StepTimerHook
from tdn_plugin.engine.hooks.bad_video_hook import read_unreadable
from tdn_plugin.engine.runner import pilot_steps, run_config, train_times
from tdn_plugin.utils import config_edit as edit
from tdn_plugin.utils.errors import UserError, describe
from tdn_plugin.utils.video_io import (
    find_families,
    is_video_list,
    load_families,
    read_class_names,
)

from . import report as reports
from .data import is_toy_motion
from .time_left import TimeLeft

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
    """What the comparison makes equal: each field is the option of ``tdn
    compare`` of that name (its ``--help`` says more); None keeps each
    config's own.

    Args:
        data_root, train_list, val_list (str, optional): The videos, the
            training list and the test list.
        classes, families (str, optional): ``classes.txt`` and
            ``families.json`` (default: next to the classes file, the data
            and the lists).
        epochs, input_size, batch_size, num_workers (int, optional): The
            budget (without ``num_workers``, each config's, at most the
            cores available).
        views (str): The test protocol of every model.
        pretrained (str): ``'keep'`` each config's weights, or ``'none'``:
            clear every pretrained source.
        recipe (str): ``'shared'``: the first config's optimiser,
            schedule, batch and clip grad for all; ``'own'``: each
            config's, its lr scaled linearly to the batch used.
        decoder (str): ``'walk'``: every ``DecordDecode`` becomes
            ``DecordWalkDecode`` (same frames, each decoded once);
            ``'own'``: each config's decoder.
        seed (int): The seed of every run.
        latency_rounds (int): Timed rounds of the latency.
        cfg_options (dict, optional): Merged into every config first.
        verbose (bool): Show each Runner's environment and config dump.
        probe (bool): Also the temporal probe: every model tested again
            with its test videos reversed, shuffled and frozen
            (:mod:`tdn_plugin.apis.probe`).
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
    decoder: str = 'walk'
    seed: int = 0
    cfg_options: Optional[dict] = None
    latency_rounds: int = 20
    verbose: bool = False
    probe: bool = False


def log(message: str = '') -> None:
    """Print a line at once (the runs are long)."""
    print(message, flush=True)


def duration(seconds: float) -> str:
    """``75`` -> ``'1:15'``."""
    return '{}:{:02d}'.format(*divmod(int(round(seconds)), 60))


def available_cores() -> int:
    """The CPU cores this process may run on (its affinity where the
    system tells it, else the machine's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def setup_registries() -> None:
    """The plugin's and MMAction2's registries, ``mmaction`` the scope."""
    import tdn_plugin
    tdn_plugin.register_all_modules(init_default_scope=True)


# One contender ---------------------------------------------------------------
def load_contender(config: Union[str, Path], settings: CompareSettings):
    """Load a config, merge ``cfg_options``, refuse what cannot run here
    (:class:`CompareError`: a test-only config, compiled mmcv ops missing,
    an input size the model cannot take, pretrained weights that do not
    load) and keep (checked: they load) or clear its pretrained weights."""
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
                f'{describe(error, 300, file_name=True)}): give '
                '--pretrained none to train from scratch') from None
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
    edit.set_video_decoder(cfg, settings.decoder)
    if num_classes is not None:
        edit.set_num_classes(cfg, num_classes)
    if settings.input_size is not None:
        edit.set_input_size(cfg, settings.input_size)
    if recipe is not None and settings.recipe == 'shared':
        edit.set_recipe(cfg, recipe)
    if settings.epochs is not None:
        edit.set_epochs(cfg, settings.epochs)
    cores = available_cores()
    for loader in edit.loaders_of(cfg):
        loader.batch_size = settings.batch_size or loader.batch_size
        workers = settings.num_workers
        if workers is None and loader.get('num_workers', 0) > cores:
            workers = cores  # e.g. MMAction2's 8 on a 2-core machine
        if workers is not None:
            loader.update(num_workers=workers,
                          persistent_workers=workers > 0)
    edit.scale_lr_to_batch(cfg)
    edit.test_segments_as_trained(cfg)
    set_test_views(cfg, settings.views)
    edit.set_bad_video_policy(cfg)
    edit.test_once(cfg, str(Path(work_dir) / PREDICTIONS_FILE))
    cfg.update(work_dir=str(work_dir), launcher='none',
               randomness=dict(seed=settings.seed))
    check_config(cfg)
    return cfg


# Measurements ----------------------------------------------------------------
def measure_one(model: torch.nn.Module, cfg) -> Tuple[dict, Callable]:
    """Parameters, MACs and frames of one view, the model's kind (fields
    of :class:`~.report.ModelResult`), and the task the latency times: the
    inference form (:func:`tdn_plugin.models.fuse_for_inference`) on one
    view of the first readable test video, batch 1, decoded, preprocessed,
    made contiguous (MMAction2's pipeline hands the model a channels-last
    strided tensor, which would bill a plain ResNet for a copy).
    """
    from mmengine.dataset import pseudo_collate

    from tdn_plugin.deploy.clips import listed_clips
    from tdn_plugin.models import fuse_for_inference
    from tdn_plugin.utils.complexity import model_complexity
    from tdn_plugin.utils.timing import inference_task
    from tdn_plugin.utils.views import count_test_views
    model.eval()
    views = count_test_views(cfg) or 1
    clips, _ = listed_clips(cfg, 1, ('test', ))
    if not clips:
        raise CompareError('no readable video in the test list to measure')
    inputs = model.data_preprocessor(pseudo_collate(clips), False)['inputs']
    x = inputs[:, :inputs.shape[1] // views].contiguous()
    counted = model_complexity(model, view=x[0])
    three_d = x.dim() == 6  # (N, views, C, T, H, W)
    return dict(params=counted['params'], gmacs=counted['gmacs'],
                frames_per_view=x.shape[3] if three_d else x.shape[1],
                kind='3D' if three_d else '2D', views=views,
                latency_device=x.device.type), \
        inference_task(fuse_for_inference(model), x)


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


def check_names(names: Optional[Sequence[str]], runs: Sequence,
                what: str) -> None:
    """Raise :class:`CompareError` unless ``names`` (when given) name each
    of ``runs`` once."""
    if names and len(names) != len(runs):
        raise CompareError(f'--names gives {len(names)} name(s) for '
                           f'{len(runs)} {what}: one each')


def resolve_classes(settings: CompareSettings, cfg) -> dict:
    """``classes`` (names or None) and ``families`` (name -> class indices,
    or None) of the data: the files given, else ``classes.txt`` and
    ``families.json`` next to the classes file, the data or the lists."""
    places = [Path(p).parent for p in (settings.classes, settings.val_list,
                                       settings.train_list) if p]
    if settings.data_root:
        places += [Path(settings.data_root), Path(settings.data_root).parent]
    places += [Path(d.ann_file).parent for _, d in
               edit.datasets_of(cfg, ('test', )) if d.get('ann_file')]
    files = [Path(settings.classes)] if settings.classes else [
        p / 'classes.txt' for p in places if (p / 'classes.txt').is_file()]
    if not files:
        return dict(classes=None, families=None)
    classes = read_class_names(files[0])
    families = load_families(settings.families, classes) \
        if settings.families else find_families(places, classes)
    return dict(classes=classes, families=families)


def reference_lines(classes: Optional[Sequence[str]]) -> list:
    """(top-1, label) lines of the chart: chance, and on the toy set the
    best a model blind to frame order can do (each class is its twin
    played backwards)."""
    lines = [(1 / len(classes), 'chance')] if classes else []
    if lines and is_toy_motion(classes):
        lines.append((0.5, 'best possible without frame order'))
    return lines


def measurement_note(load) -> str:
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


@dataclass
class Comparison:
    """A comparison under way: its runs (:meth:`train` or :meth:`reload`)
    and then the one report (:meth:`finish`)."""

    work_dir: Path
    settings: CompareSettings
    names: List[str]
    title: Optional[str] = None
    extra: dict = field(default_factory=dict)
    info: dict = field(default_factory=dict)  # classes, families
    trained: Dict[str, tuple] = field(default_factory=dict)
    runs: Dict[str, dict] = field(default_factory=dict)
    failed: Dict[str, str] = field(default_factory=dict)
    start: float = field(default_factory=time.perf_counter)
    phase_s: Dict[str, float] = field(default_factory=dict)
    probes: Dict[str, object] = field(default_factory=dict)  # ProbeResult

    def phase(self, name: str) -> None:
        """Note the end of a phase (``prepare``, ``runs``, ``probe``,
        ``measure``):
        the wall time of each goes into ``results.json``."""
        self.phase_s[name] = round(time.perf_counter() - self.start - sum(
            self.phase_s.values()), 2)

    def fail(self, name: str, error: BaseException) -> None:
        """Note a contender that failed, on one line."""
        self.failed[name] = describe(error, 300, file_name=True)
        self.trained.pop(name, None)
        log(f'{name}: FAILED: {self.failed[name]}')

    def prepare(self, configs: Sequence) -> Dict[str, tuple]:
        """Name -> (config, prepared config) of those that can start, all
        prepared before any training so that one that cannot run is said
        at once (its lists missing or empty too); the first one's recipe
        is the shared one."""
        from tdn_plugin.datasets.data_check import require_lists
        prepared, recipe, mode = {}, None, self.settings.recipe
        for name, config in zip(self.names, configs):
            try:
                cfg = prepare_config(config, self.work_dir / name,
                                     self.settings, recipe=recipe)
                if not self.info:
                    self.info.update(resolve_classes(self.settings, cfg))
                if self.info.get('classes'):
                    edit.set_num_classes(cfg, len(self.info['classes']))
                require_lists(cfg, ('train', 'test'))
            except Exception as error:  # noqa: BLE001  one line, go on
                self.fail(name, error)
                continue
            if recipe is None:
                recipe = edit.recipe_of(cfg)
                self.extra['recipe'] = dict(
                    edit.recipe_summary(cfg), mode=mode,
                    source=str(config) if mode == 'shared' else None)
            prepared[name] = (config, cfg)
        return prepared

    def train(self, configs: Sequence) -> None:
        """Prepare every config, then train and test each, saying how it
        did and how long the others will take."""
        prepared = self.prepare(configs)
        self.phase('prepare')
        count = len(prepared)
        estimate = self.pilot(prepared)
        for number, (name, (config, cfg)) in enumerate(prepared.items(), 1):
            step = f'[{number}/{count}] {name}'
            log(f'\n{step}: training {config}: {cfg.train_cfg.max_epochs} '
                f'epochs, batch {cfg.train_dataloader.batch_size} ...')
            timer = StepTimerHook(lambda timer, step=step, name=name:
                                  self.progress(step, name, timer, estimate))
            try:
                model, train_s, test_s, metrics = run_config(
                    cfg, self.settings.verbose, name, hooks=[timer])
            except Exception as error:  # noqa: BLE001  one line, go on
                self.fail(name, error)
                estimate.drop(name)
                continue
            estimate.finish(name, train_s + test_s)
            run = dict(train_s=train_s, test_s=test_s, metrics=metrics,
                       config=str(config), protocol=self.settings.views,
                       checkpoint=trained_checkpoint(cfg.work_dir))
            Path(cfg.work_dir, RUN_FILE).write_text(json.dumps(run, indent=2))
            self.runs[name], self.trained[name] = run, (model, cfg)
            spent = time.perf_counter() - self.start
            left = estimate.seconds_left()
            top1, top5 = (reports.percent(run['metrics'].get(
                f'acc/top{k}', math.nan)) for k in (1, 5))
            log(f'{step}: top-1 {top1}, top-5 {top5} (trained in '
                f'{duration(run["train_s"])}, tested in '
                f'{duration(run["test_s"])}); {duration(spent)} so far'
                + (f', about {duration(left)} to go' if left else ''))
        self.phase('runs')

    def pilot(self, prepared: Dict[str, tuple]) -> TimeLeft:
        """Time one training step of each prepared model (what the time
        estimate of the runs not started yet is made from)."""
        pilots = pilot_steps({name: cfg for name, (_, cfg) in
                              prepared.items()})
        if len(pilots) > 1:
            log('one training step, timed for the time estimate: ' + ', '.join(
                f'{name} {pilot.seconds:.2f} s' if pilot else f'{name} -'
                for name, pilot in pilots.items()))
        return TimeLeft(pilots)

    def progress(self, step: str, name: str, timer: StepTimerHook,
                 estimate: TimeLeft) -> None:
        """A line after each training epoch: the measured step time, what
        this run and all runs have left."""
        left = estimate.seconds_left(name, timer)
        log(f'{step}: epoch {timer.epochs}/{timer.max_epochs}, '
            f'{timer.mean_step_s():.2f} s/step; {name} trained in about '
            f'{duration(timer.seconds_left())}'
            + (f', all runs in about {duration(left)}'
               if left is not None and len(estimate.pilots) > 1 else ''))

    def reload(self, name: str, run_dir: Path) -> None:
        """A finished ``tdn train``/``tdn compare`` run: its dumped config
        and best (else last) checkpoint; its test predictions where ``tdn
        compare`` dumped them with the same protocol after the checkpoint,
        else a new test."""
        from mmaction.registry import MODELS
        from mmengine.config import Config
        from mmengine.runner import find_latest_checkpoint

        from tdn_plugin.utils.checks import load_checkpoint_strictly
        from tdn_plugin.utils.views import set_test_views
        config = max(run_dir.glob('*.py'), key=os.path.getmtime, default=None)
        checkpoint = max(run_dir.glob('best_*.pth'), key=os.path.getmtime,
                         default=None) or find_latest_checkpoint(str(run_dir))
        if not config or not checkpoint:
            raise CompareError(f'{run_dir}: no dumped config (*.py) or no '
                               'checkpoint (best_*.pth, last_checkpoint)')
        checkpoint = run_dir / Path(checkpoint).name
        cfg = Config.fromfile(str(config))
        if not self.info:
            self.info.update(resolve_classes(self.settings, cfg))
        views = self.settings.views
        run_file, predictions = run_dir / RUN_FILE, run_dir / PREDICTIONS_FILE
        run = json.loads(run_file.read_text()) if run_file.is_file() else {}
        fresh = (predictions.is_file() and run.get('protocol') == views and
                 predictions.stat().st_mtime >= checkpoint.stat().st_mtime)
        set_test_views(cfg, views)
        edit.dump_predictions(cfg, str(predictions))
        cfg.update(work_dir=str(run_dir), launcher='none', load_from=None,
                   val_dataloader=None, val_cfg=None, val_evaluator=None)
        if fresh:
            model = load_checkpoint_strictly(MODELS.build(cfg.model),
                                             str(checkpoint))
        else:
            log(f'{name}: testing {checkpoint} ...')
            tested = run_config(cfg, self.settings.verbose, name,
                                str(checkpoint))
            model, run['test_s'] = tested.model, tested.test_s
        self.runs[name] = dict(run, config=str(config), protocol=views,
                               checkpoint=str(checkpoint))
        self.trained[name] = (model, cfg)

    def probe(self) -> None:
        """The temporal probe of every trained model
        (:func:`tdn_plugin.apis.probe.probe_models`; one that fails is
        named and the others go on), its wall time the ``probe`` phase."""
        from .probe import probe_models
        self.probes = probe_models(self.trained, self.runs, PREDICTIONS_FILE,
                                   self.settings.verbose, log,
                                   self.info.get('families'))
        self.phase('probe')

    def measure(self) -> Tuple[List[reports.ModelResult], object]:
        """The result of each trained model (:func:`measure_one`,
        :func:`build_result`; one that cannot be measured fails), with the
        latencies timed side by side
        (:func:`tdn_plugin.utils.timing.time_side_by_side`), and the
        LoadMonitor of the timing."""
        from tdn_plugin.utils.timing import LoadMonitor, time_side_by_side
        rounds = self.settings.latency_rounds
        log(f'\nmeasuring MACs and latency side by side (batch 1, {rounds} '
            'rounds) ...')
        results, tasks = {}, {}
        for name, (model, cfg) in list(self.trained.items()):
            try:
                measured, task = measure_one(model, cfg)
                results[name] = build_result(name, cfg, self.runs[name],
                                             measured, self.info)
                results[name].probe = self.probes.get(name)
                tasks[name] = task
            except Exception as error:  # noqa: BLE001  one line, go on
                self.fail(name, error)
        device = 'cuda' if any(r.latency_device == 'cuda'
                               for r in results.values()) else 'cpu'
        with LoadMonitor() as load:
            timings = time_side_by_side(tasks, rounds, warmup=2,
                                        device=device)
        for name, timing in timings.items():
            results[name].latency = timing.json()
        return list(results.values()), load

    def report_settings(self, results: Sequence,
                        load: Optional[dict]) -> dict:
        """The ``settings`` of ``results.json``: what was run, where, how."""
        from tdn_plugin.utils.timing import machine_info, package_versions
        classes = self.info.get('classes')
        families = self.info.get('families') or {}
        return dict(
            asdict(self.settings), threads=torch.get_num_threads(),
            versions=package_versions(), machine=machine_info(
                results[0].latency_device if results else 'cpu'),
            load_while_timing=load,
            total_s=round(time.perf_counter() - self.start, 1),
            wall_s_per_model={r.name: round(r.train_s + r.test_s, 1)
                              if math.isfinite(r.train_s) else None
                              for r in results},
            classes=classes, families={k: [classes[i] for i in v]
                                       for k, v in families.items()} or None,
            phase_s=self.phase_s, **self.extra)

    def finish(self) -> dict:
        """Probe the models (with ``probe``), measure them, make their
        results, write and print the one report.

        Returns:
            dict: ``results``, ``failed`` (name -> why), ``files``,
            ``trained`` (name -> (model, cfg)).
        """
        if self.settings.probe and self.trained:
            self.probe()
        results, load = self.measure() if self.trained else ([], None)
        self.phase('measure')
        failed = {n: self.failed[n] for n in self.names if n in self.failed}
        data = self.settings.val_list or "each config's own data"
        classes, note = self.info.get('classes'), measurement_note(load)
        files = reports.write_report(
            results, failed, self.work_dir,
            self.report_settings(results, load and load.json()),
            self.title or f'{len(results)} models on {data}', classes,
            reference_lines(classes), note)
        reports.print_report(results, failed, files, note, classes)
        return dict(results=results, failed=failed, files=files,
                    trained=self.trained)


def compare(configs: Sequence[Union[str, Path]],
            work_dir: Union[str, Path],
            settings: Optional[CompareSettings] = None,
            names: Optional[Sequence[str]] = None,
            title: Optional[str] = None,
            classes_info: Optional[dict] = None,
            extra_settings: Optional[dict] = None) -> dict:
    """Train, test, measure and report every config (module docstring).

    Args:
        configs (Sequence[str | Path]): Files or ``mmaction::...``.
        work_dir (str | Path): The report, each run in ``work_dir/NAME``.
        settings (CompareSettings, optional): Defaults to the defaults.
        names (Sequence[str], optional): Defaults to the file names.
        title (str, optional): The chart's title. Defaults to None.
        classes_info (dict, optional): ``classes`` and ``families`` of the
            data. Defaults to :func:`resolve_classes`.
        extra_settings (dict, optional): More settings. Defaults to None.

    Returns:
        dict: As :meth:`Comparison.finish`.
    """
    from tdn_plugin.utils.checks import check_output_folder
    if not configs:
        raise CompareError('no configs to compare')
    check_output_folder(str(work_dir), 'the work dir')
    check_names(names, configs, 'configs')
    names = list(names) if names else unique_names(configs)
    if len(set(names)) != len(names):
        raise CompareError(f'a model is named twice in {" ".join(names)}')
    comparison = Comparison(Path(work_dir), settings or CompareSettings(),
                            names, title, dict(extra_settings or {}),
                            dict(classes_info or {}))
    setup_registries()
    comparison.train(configs)
    return comparison.finish()


def build_result(name: str, cfg, run: dict, measured: dict,
                 info: dict) -> reports.ModelResult:
    """A model's result from its dumped predictions, logs, config and
    measurements."""
    work_dir = Path(cfg.work_dir)
    scores, labels = reports.read_predictions(work_dir / PREDICTIONS_FILE)
    data_s, compute_s = train_times(work_dir)
    return reports.ModelResult(
        name=name, config=display_path(run['config']),
        init=', '.join(edit.pretrained_sources(cfg)) or 'scratch',
        protocol=run.get('protocol', '?'),
        train_s=run.get('train_s', math.nan),
        test_s=run.get('test_s', math.nan), data_s=data_s,
        compute_s=compute_s, recipe=edit.recipe_summary(cfg),
        work_dir=str(work_dir), checkpoint=run.get('checkpoint', ''),
        unreadable=read_unreadable(str(work_dir)),
        **measured, **vars(reports.accuracy(scores, labels,
                                            info.get('families'))))


def trained_checkpoint(work_dir: Union[str, Path]) -> str:
    """The checkpoint a training left in ``work_dir``: its best
    (``best_*.pth``), else its last; '' where it saved none."""
    from mmengine.runner import find_latest_checkpoint
    best = max(Path(work_dir).glob('best_*.pth'), key=os.path.getmtime,
               default=None)
    return str(best or find_latest_checkpoint(str(work_dir)) or '')


def display_path(path: Union[str, Path]) -> str:
    """A config as given when it is no file (``mmaction::...``), else
    relative to the working directory when below it."""
    if not Path(path).is_file():
        return str(path)
    path = Path(path).resolve()
    return str(path.relative_to(Path.cwd())) \
        if path.is_relative_to(Path.cwd()) else str(path)


def report_work_dirs(work_dirs: Sequence[Union[str, Path]],
                     work_dir: Union[str, Path],
                     settings: Optional[CompareSettings] = None,
                     names: Optional[Sequence[str]] = None) -> dict:
    """The report of :func:`compare` from finished runs, without
    retraining (:meth:`Comparison.reload`); parameters, MACs and latency
    are measured again, side by side.

    Args:
        work_dirs (Sequence[str | Path]): The runs' work directories.
        work_dir (str | Path): Where the report goes.
        settings (CompareSettings, optional): ``views``, ``classes``,
            ``families``, ``latency_rounds``, ``probe``. Defaults to the
            defaults.
        names (Sequence[str], optional): Defaults to the directory names.

    Returns:
        dict: As :func:`compare`.
    """
    check_names(names, work_dirs, 'work dirs')
    names = list(names) if names else unique_names(
        [Path(w).resolve() for w in work_dirs])
    comparison = Comparison(
        Path(work_dir), settings or CompareSettings(), names,
        extra=dict(from_work_dirs=[str(w) for w in work_dirs]))
    setup_registries()
    for name, run_dir in zip(names, work_dirs):
        try:
            comparison.reload(name, Path(run_dir))
        except Exception as error:  # noqa: BLE001  one line, others go on
            comparison.fail(name, error)
    comparison.phase('runs')
    return comparison.finish()
