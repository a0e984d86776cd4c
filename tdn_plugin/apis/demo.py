"""``tdn demo``: ``tdn compare`` on the toy motion set with the demo
configs (``configs/demo``), plus a Grad-CAM picture.

The models are data (:mod:`tdn_plugin.apis.demo_models`): a short name
per config under ``configs/demo``, so a model joins the demo with one
line. Each config runs as it is except for what the demo sets: where the
data and the work directory are, the classes of the data and, with
``quick``, a plumbing-only budget (tiny data, 1 epoch, tiny input).
"""
import itertools
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Optional, Sequence, Union

import torch

from tdn_plugin.utils.errors import UserError

from .compare import CompareSettings, compare, duration, log
from .data import ensure_data, is_toy_motion
from .demo_models import (
    ABLATION_MODELS,
    ABLATION_WORK_DIR,
    ALL_MODELS,
    BUDGET_S,
    DEFAULT_DATA,
    DEFAULT_WORK_DIR,
    DEMO_MODELS,
    GRADCAM_FILE,
    GRADCAM_MODEL,
    QUICK_WORK_DIR,
    REFERENCE_SPEED_INDEX_S,
    TDN_ABLATION,
    TIMINGS_FILE,
)
from .probe import probe_markdown
from .report import family_names, table


class DemoError(UserError, ValueError):
    """A demo request that cannot run (unknown model, missing config)."""


@dataclass
class Budget:
    """The toy set the demo makes (train and val videos per class, frame
    size), what it changes in the configs (None keeps theirs) and the
    timed rounds of the latency and of the speed index."""

    videos_per_class: int
    val_per_class: int
    video_size: int
    epochs: Optional[int] = None
    input_size: Optional[int] = None
    batch_size: Optional[int] = None
    latency_runs: int = 20
    speed_index_rounds: int = 5

    def settings(self, data_dir: Union[str, Path], seed: int = 0,
                 verbose: bool = False,
                 probe: bool = True) -> CompareSettings:
        """The :class:`CompareSettings` of this budget on ``data_dir``: the
        demo configs' own recipe and weights (from scratch), with the
        temporal probe unless ``probe`` is False."""
        data_dir = Path(data_dir)
        return CompareSettings(
            data_root=str(data_dir / 'videos'),
            train_list=str(data_dir / 'train.txt'),
            val_list=str(data_dir / 'val.txt'), epochs=self.epochs,
            input_size=self.input_size, batch_size=self.batch_size,
            seed=seed, latency_rounds=self.latency_runs, recipe='own',
            verbose=verbose, probe=probe)


# the toy generator's defaults: 600 train / 200 val videos of 64x64
FULL = Budget(videos_per_class=60, val_per_class=20, video_size=64)
# plumbing only (CI): 30 / 20 videos of 32x32, 1 epoch on 32x32 inputs
QUICK = Budget(videos_per_class=3, val_per_class=2, video_size=32, epochs=1,
               input_size=32, batch_size=8, latency_runs=3,
               speed_index_rounds=1)


def demo_config_dir() -> Path:
    """``demo/`` of the packaged configs (the checkout's ``configs/`` when
    run from one)."""
    from tdn_plugin.utils.config_path import packaged_configs_dir
    root = packaged_configs_dir()
    if root is None or not Path(root, 'demo', DEMO_MODELS['tdn']).is_file():
        raise DemoError('cannot find the demo configs (configs/demo/*.py) in '
                        'the installed tdn_plugin package or its checkout')
    return Path(root, 'demo')


def speed_index(rounds: int) -> dict:
    """This machine's speed index, said on one line: seconds per clip of
    MMAction2's TSM-R50 (T=8, 224x224, batch 1, eager, inference mode),
    the fastest of ``rounds`` (the round least slowed by other work), with
    how busy other processes kept the machine meanwhile
    (:class:`~tdn_plugin.utils.timing.LoadMonitor`).

    Returns:
        dict: ``s`` (seconds per clip), ``busy`` (the load warning, or
        None), ``load`` (the monitor's record), ``budget_s`` (the default
        demo's budget here; None on a busy machine, where it means
        nothing).
    """
    from tdn_plugin.utils.timing import (
        LoadMonitor,
        inference_task,
        time_side_by_side,
    )

    from .benchmark import SEGMENTS, build
    task = inference_task(build('tsm').eval(),
                          torch.randn(1, SEGMENTS, 3, 224, 224))
    with LoadMonitor() as load:
        timing = time_side_by_side({'tsm': task}, rounds, warmup=1)['tsm']
    seconds, busy = timing.min_ms / 1000, load.warning()
    index = dict(s=round(seconds, 3), busy=busy, load=load.json(),
                 budget_s=None if busy else round(
                     BUDGET_S * seconds / REFERENCE_SPEED_INDEX_S))
    log(f'speed index: TSM-R50 (T=8, 224, batch 1, eager) {seconds:.2f} '
        f's/clip here, {REFERENCE_SPEED_INDEX_S} s on the reference machine: '
        + (f'{busy}; ' if busy else '') + budget_note(index))
    return index


def budget_note(index: dict) -> str:
    """The default demo's budget on this machine, or why none applies."""
    if index['budget_s'] is None:
        return ("the default demo's budget does not apply while the "
                'machine is busy')
    return f"the default demo's budget here is {duration(index['budget_s'])}"


def plan(names: Optional[Sequence[str]], ablation: bool,
         all_models: bool) -> Dict[str, Path]:
    """Name -> config file of the models to run.

    Raises:
        DemoError: An unknown or repeated name, or a missing config.
    """
    registry = ABLATION_MODELS if ablation else ALL_MODELS
    names = list(names or (TDN_ABLATION if ablation else
                           ALL_MODELS if all_models else DEMO_MODELS))
    unknown = [name for name in names if name not in registry]
    if unknown:
        raise DemoError(f'unknown model(s) {", ".join(unknown)}: choose from '
                        f'{", ".join(registry)}')
    if len(set(names)) != len(names):
        raise DemoError(f'a model is named twice in {" ".join(names)}')
    configs = {name: demo_config_dir() / registry[name] for name in names}
    missing = [str(p) for p in configs.values() if not p.is_file()]
    if missing:
        raise DemoError(f'demo config not found: {", ".join(missing)}')
    return configs


def run_demo(work_dir: Optional[Union[str, Path]] = None,
             models: Optional[Sequence[str]] = None,
             data_dir: Optional[Union[str, Path]] = None,
             quick: bool = False,
             ablation: bool = False,
             all_models: bool = False,
             markdown: Optional[Union[str, Path]] = None,
             verbose: bool = False,
             threads: Optional[int] = None,
             seed: int = 0,
             probe: bool = True) -> dict:
    """Run the demo (see the module docstring; the options of ``tdn
    demo``), one step a line, each step a function below.

    Args:
        work_dir (str | Path, optional): Results, logs and checkpoints
            (default: ``work_dirs/demo``, ``-quick`` with ``quick``,
            ``work_dirs/ablation`` with ``ablation``).
        models (Sequence[str], optional): Names of ``ALL_MODELS`` (or
            ``ABLATION_MODELS``; default: ``DEMO_MODELS``, every one with
            ``all_models``, ``TDN_ABLATION`` with ``ablation``).
        data_dir (str | Path, optional): The data, made there if absent
            (default: ``data/toy-motion``, ``WORK_DIR/data`` with
            ``quick``: everything under ``work_dir``).
        quick, ablation, all_models (bool): Plumbing check (tiny data, 1
            epoch, tiny input); the ablation models; every contender.
        markdown (str | Path, optional): Also the markdown page there
            (``WORK_DIR/ablation.md`` with ``ablation``).
        verbose (bool): Each Runner's environment and config dump.
        threads, seed (int, optional): PyTorch CPU threads (restored at the
            end; default: ``OMP_NUM_THREADS``, else all cores); the seed of
            every run.
        probe (bool): The temporal probe of every model (``tdn compare
            --probe``). Defaults to True.

    Returns:
        dict: ``results``, ``failed`` (name -> why), ``files`` (name ->
        path), ``total_s``.
    """
    from tdn_plugin.utils.timing import set_threads
    start = time.perf_counter()
    configs = plan(models, ablation, all_models)
    budget = QUICK if quick else FULL
    work_dir = Path(work_dir or (ABLATION_WORK_DIR if ablation else
                                 QUICK_WORK_DIR if quick else
                                 DEFAULT_WORK_DIR))
    data_dir = Path(data_dir or (work_dir / 'data' if quick else
                                 DEFAULT_DATA))
    page = Path(markdown or work_dir / 'ablation.md') \
        if markdown or ablation else None
    if page:
        check_generated_page(page)
    threads_before = torch.get_num_threads()
    try:
        log(f'tdn demo{" --quick" if quick else ""}: {len(configs)} models '
            f'({", ".join(configs)}), work dir {work_dir}, '
            f'{set_threads(threads)}')
        index = speed_index(budget.speed_index_rounds)
        data = ensure_data(data_dir, budget.videos_per_class,
                           budget.val_per_class, budget.video_size, log=log)
        log(f'data: {data["dir"]}: {data["num_train"]} train / '
            f'{data["num_val"]} val videos, {len(data["classes"])} classes')
        compared = compare(
            list(configs.values()), work_dir,
            budget.settings(data['dir'], seed, verbose, probe),
            names=list(configs),
            title=title(data, budget, quick),
            classes_info=dict(classes=data['classes'],
                              families=data['families']),
            extra_settings=dict(demo=dict(quick=quick, ablation=ablation,
                                          data=data['dir'],
                                          speed_index=index)))
        files = compared['files']
        files.update(gradcam(compared['trained'], data['classes'], work_dir))
        total_s = time.perf_counter() - start
        files['timings'] = write_timings(work_dir, total_s, index,
                                         compared['results'])
        if page and compared['results']:
            page.parent.mkdir(parents=True, exist_ok=True)
            page.write_text(markdown_page(compared, data, ablation, quick,
                                          total_s))
            files['markdown'] = page
        summary(configs, files, work_dir, quick, total_s, index)
    finally:
        torch.set_num_threads(threads_before)
    return dict(results=compared['results'], failed=compared['failed'],
                files={k: str(v) for k, v in files.items()}, total_s=total_s)


def write_timings(work_dir: Path, total_s: float, index: dict,
                  results: Sequence) -> Path:
    """``timings.json``: the demo's wall time, threads, speed index and
    each model's train and test time (and the temporal probe's tests)."""
    path = work_dir / TIMINGS_FILE
    path.write_text(json.dumps(dict(
        total_s=round(total_s, 1), cpu_threads=torch.get_num_threads(),
        speed_index=index, models={r.name: dict(
            train_s=round(r.train_s, 1), test_s=round(r.test_s, 1),
            **({'probe_s': round(r.probe.test_s, 1)} if r.probe is not None
               and not r.probe.failed else {}))
            for r in results}), indent=2) + '\n')
    return path


def title(data: dict, budget: Budget, quick: bool) -> str:
    """The chart's title: the data and the budget."""
    name = 'toy motion' if is_toy_motion(data['classes']) else \
        Path(data['dir']).name
    return (f'{name}: {len(data["classes"])} classes, {data["num_train"]} '
            f'train / {data["num_val"]} val videos; from scratch'
            + (f', {budget.input_size} px, {budget.epochs} epoch (--quick: '
               'plumbing only)' if quick else ''))


def gradcam(trained: dict, classes: Sequence[str],
            work_dir: Path) -> Dict[str, Path]:
    """The Grad-CAM picture of ``GRADCAM_MODEL``, else of the first 2D
    model (the picture shows frames of 2D inputs); none without one."""
    two_d = [name for name, (_, cfg) in trained.items() if
             cfg.model.data_preprocessor.get('format_shape') == 'NCHW']
    if not two_d:
        return {}
    from tdn_plugin.visualization.gradcam import gradcam_picture
    name = GRADCAM_MODEL if GRADCAM_MODEL in two_d else two_d[0]
    path = work_dir / GRADCAM_FILE.format(name)
    cam = gradcam_picture(*trained[name], path, classes, title=f'{name}: ')
    log(f'grad-cam of {name} on val video 0: true {classes[cam["label"]]}, '
        f'predicted {classes[cam["pred"]]}')
    return {'gradcam': path}


def summary(configs: Dict[str, Path], files: Dict[str, Path],
            work_dir: Path, quick: bool, total_s: float,
            index: dict) -> None:
    """The last lines: what ran, where the extra files are, how long."""
    from .compare import display_path
    if quick:
        log('--quick checks the plumbing only: 1 epoch on tiny data, the '
            'accuracies mean nothing')
    log('\ndemo models: ' + ', '.join(
        f'{name} ({display_path(path)})' for name, path in configs.items()))
    for key in ('gradcam', 'markdown', 'timings'):
        if key in files:
            log(f'{key + ":":9s} {files[key]}')
    log(f'logs and checkpoints: {work_dir}/<model>/')
    log(f'total time: {duration(total_s)} ({budget_note(index)})')


TEMPORAL_PARTS = {'S-TDM': 'with_short_term_tdm',
                  'L-TDM': 'with_long_term_tdm',
                  'temporal conv': 'with_temporal_conv'}


# the first line of every page `--markdown` writes: only such a page is
# ever overwritten, so generated pages never replace hand-written text
GENERATED_MARK = ('<!-- generated by `tdn demo --markdown`: rerun the '
                  'command to update it; write by hand in another page -->')


def check_generated_page(path: Path) -> None:
    """Refuse (before any work) to overwrite a page that
    :func:`markdown_page` did not write."""
    if path.is_file() and not path.read_text(
            errors='replace').startswith(GENERATED_MARK):
        raise DemoError(
            f'{path} exists and was not generated by `tdn demo --markdown`; '
            'name a new file or a generated page (hand-written text is '
            'never overwritten)')


def markdown_page(compared: dict, data: dict, ablation: bool, quick: bool,
                  total_s: float) -> str:
    """A docs-ready page: the command, the data, the table (with TDN's
    temporal parts per model), what each row is (:func:`config_note`)."""
    from tdn_plugin.visualization.tables import markdown_table
    results = compared['results']
    header, rows = table(results)
    parts = {name: cfg.model.backbone for name, (_, cfg) in
             compared['trained'].items()}
    header[1:1] = list(TEMPORAL_PARTS)
    for r, row in zip(results, rows):
        row[1:1] = ['yes' if parts[r.name].get(key, True) and
                    parts[r.name].type == 'ResNetTDN' else '-'
                    for key in TEMPORAL_PARTS.values()]
    first = compared['trained'][results[0].name][1]
    lines = [GENERATED_MARK, '', '# TDN ablation at demo scale' if ablation
             else '# tdn demo results', '',
             f'Made with (about {duration(total_s)}, '
             f'{torch.get_num_threads()} CPU threads):', '', '```bash',
             ' '.join(['tdn'] + sys.argv[1:]), '```', '',
             f'Data: `{data["dir"]}`, {len(data["classes"])} classes '
             f'({", ".join(family_names(results)) or "no families"}), '
             f'{data["num_train"]} train / {data["num_val"]} val videos. '
             f'Every model from scratch, {first.train_cfg.max_epochs} '
             f'epochs, batch {first.train_dataloader.batch_size}, '
             f'{first.optim_wrapper.optimizer.type}; tested once on the val '
             'list (1 clip, 1 crop).', '', markdown_table(header, rows), '']
    lines += [f'- **{r.name}**: {config_note(r.config)}' for r in results
              if ablation and Path(r.config).is_file()]
    lines.append(probe_markdown(results, data['classes']))
    if quick:
        lines += ['', '**--quick run: plumbing only, the numbers mean '
                  'nothing.**']
    return '\n'.join(lines) + '\n'


def config_note(path: Union[str, Path]) -> str:
    """What a config's model is: the comment lines that open the file (the
    one place the demo configs say it), as one line."""
    lines = Path(path).read_text().splitlines()
    return ' '.join(line.lstrip('#').strip() for line in
                    itertools.takewhile(lambda x: x.startswith('#'), lines))
