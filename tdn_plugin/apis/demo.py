"""``tdn demo``: ``tdn compare`` on the toy motion set with the demo
configs (``configs/demo``), plus a Grad-CAM picture.

The models are data: :data:`DEMO_MODELS` (the default contenders, sized to
the demo's time budget), :data:`ALL_MODELS` (``--all``) and
:data:`ABLATION_MODELS` (``--ablation``) map a short name to a config under
``configs/demo``, so a model joins the demo with one line. Each config runs
as it is (data pipeline, schedule, input size) except for what the demo has
to set: where the data and the work directory are, the number of classes of
the data and, with ``quick``, a plumbing-only budget (tiny data, 1 epoch,
tiny input).
"""
import json
import os
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Union

import torch

from .compare import (
    CompareSettings,
    compare,
    duration,
    log,
    prepare_config,
    set_epochs,  # noqa: F401  (re-exported: users import it here)
)
from .data import ensure_data, is_toy_motion
from .demo_models import (  # noqa: F401  (re-exported)
    ABLATION_MODELS,
    ABLATION_WORK_DIR,
    ALL_MODELS,
    BUDGET_S,
    DEFAULT_DATA,
    DEFAULT_WORK_DIR,
    DEMO_MODELS,
    GRADCAM_FILE,
    GRADCAM_MODEL,
    QUICK_DATA,
    QUICK_WORK_DIR,
    REFERENCE_SPEED_INDEX_S,
    TDN_ABLATION,
    TIMINGS_FILE,
)
from .report import ModelResult, markdown_table, percent


class DemoError(ValueError):
    """A demo request that cannot run (unknown model, missing config)."""


@dataclass
class Budget:
    """The data the demo makes and what it changes in the configs.

    Args:
        videos_per_class (int): Training videos per class it generates.
        val_per_class (int): Validation videos per class it generates.
        video_size (int): Frame size of the generated videos.
        epochs (int, optional): Overrides the configs' epochs. Defaults to
            None (the configs' own).
        input_size (int, optional): Overrides the configs' input size.
            Defaults to None.
        batch_size (int, optional): Overrides the batch size. Defaults to
            None.
        num_workers (int, optional): Overrides the data loader workers.
            Defaults to None.
        latency_runs (int): Timed rounds of the latency. Defaults to 50.
        speed_index_rounds (int): Timed rounds of the speed index. Defaults
            to 3.
    """

    videos_per_class: int
    val_per_class: int
    video_size: int
    epochs: Optional[int] = None
    input_size: Optional[int] = None
    batch_size: Optional[int] = None
    num_workers: Optional[int] = None
    latency_runs: int = 50
    speed_index_rounds: int = 3

    def settings(self, data_dir: Union[str, Path],
                 seed: int = 0) -> CompareSettings:
        """The :class:`CompareSettings` of this budget on ``data_dir``."""
        data_dir = Path(data_dir)
        return CompareSettings(
            data_root=str(data_dir / 'videos'),
            train_list=str(data_dir / 'train.txt'),
            val_list=str(data_dir / 'val.txt'),
            epochs=self.epochs,
            input_size=self.input_size,
            batch_size=self.batch_size,
            num_workers=self.num_workers,
            seed=seed,
            latency_rounds=self.latency_runs)


# the toy generator's defaults: 600 train / 200 val videos of 64x64
FULL = Budget(videos_per_class=60, val_per_class=20, video_size=64)
# plumbing only (CI): 30 / 20 videos of 32x32, 1 epoch on 32x32 inputs
QUICK = Budget(
    videos_per_class=3,
    val_per_class=2,
    video_size=32,
    epochs=1,
    input_size=32,
    batch_size=8,
    num_workers=0,
    latency_runs=3,
    speed_index_rounds=1)


def demo_config_dir() -> Path:
    """The directory of the demo configs: ``demo/`` of the packaged configs
    (:func:`tdn_plugin.utils.config_path.packaged_configs_dir`)."""
    from tdn_plugin.utils.config_path import packaged_configs_dir
    root = packaged_configs_dir()
    if root is None or not (Path(root, 'demo', DEMO_MODELS['tdn'])).is_file():
        raise DemoError(
            'cannot find the demo configs (configs/demo/*.py) in the '
            'installed tdn_plugin package or its checkout')
    return Path(root, 'demo')


def _display_path(path: Union[str, Path]) -> str:
    """A config of the package as ``configs/...`` (how every ``tdn``
    command finds it from any directory); another path relative to the
    working directory when below it, else absolute."""
    from tdn_plugin.utils.config_path import packaged_configs_dir
    path = Path(path).resolve()
    for root, prefix in ((packaged_configs_dir(), 'configs'),
                         (Path.cwd(), '')):
        if root is None:
            continue
        try:
            inside = path.relative_to(Path(root).resolve())
        except ValueError:
            continue
        return str(Path(prefix, inside)) if prefix else str(inside)
    return str(path)


def demo_config(config: Union[str, Path],
                data_dir: Union[str, Path],
                work_dir: Union[str, Path],
                num_classes: int,
                budget: Budget = FULL):
    """A demo config pointed at the data and the work directory, with the
    budget applied (:func:`tdn_plugin.apis.compare.prepare_config`).

    Args:
        config (str | Path): The config file.
        data_dir (str | Path): Directory with videos/, train.txt, val.txt.
        work_dir (str | Path): The model's work directory.
        num_classes (int): Classes of the data.
        budget (Budget): Overrides (epochs, input size...). Defaults to
            :data:`FULL` (none).

    Returns:
        mmengine.Config: The config to build the Runner from.
    """
    return prepare_config(config, work_dir, budget.settings(data_dir),
                          num_classes)


def speed_index(rounds: int = 3) -> float:
    """This machine's speed index: seconds per clip of MMAction2's TSM-R50
    (T=8, 224x224, batch 1, eager, inference mode), timed in-process by
    the shared timer (median of ``rounds``, after one warm-up)."""
    from tdn_plugin.utils.timing import time_side_by_side

    from .benchmark import SEGMENTS, build
    model = build('tsm').eval()
    x = torch.randn(1, SEGMENTS, 3, 224, 224)

    def task():
        with torch.inference_mode():
            model.extract_feat(x, stage='head', test_mode=True)

    timing = time_side_by_side({'tsm': task}, rounds, warmup=1)['tsm']
    return timing.median_ms / 1000


def run_demo(work_dir: Optional[Union[str, Path]] = None,
             models: Optional[Sequence[str]] = None,
             data_dir: Optional[Union[str, Path]] = None,
             quick: bool = False,
             ablation: bool = False,
             all_models: bool = False,
             markdown: Optional[Union[str, Path]] = None,
             verbose: bool = False,
             threads: Optional[int] = None,
             command: Optional[str] = None,
             seed: int = 0) -> dict:
    """Run the demo (see the module docstring).

    Args:
        work_dir (str | Path, optional): Where results, logs and checkpoints
            go. Defaults to ``work_dirs/demo`` (``work_dirs/demo-quick``
            with ``quick``, ``work_dirs/ablation`` with ``ablation``).
        models (Sequence[str], optional): Names of :data:`ALL_MODELS` (or
            :data:`ABLATION_MODELS`). Defaults to :data:`DEMO_MODELS`
            (:data:`ALL_MODELS` with ``all_models``), in their order.
        data_dir (str | Path, optional): The data; made there if absent.
            Defaults to ``data/toy-motion`` (``data/toy-motion-quick`` with
            ``quick``) under the working directory.
        quick (bool): Plumbing check: tiny data, 1 epoch, tiny input.
            Defaults to False.
        ablation (bool): Run the ablation: :data:`TDN_ABLATION`, or the
            names of :data:`ABLATION_MODELS` in ``models``. Defaults to
            False.
        all_models (bool): Run every contender. Defaults to False.
        markdown (str | Path, optional): Also write the table, settings and
            command as markdown there. Defaults to None (with ``ablation``:
            ``WORK_DIR/ablation.md``).
        verbose (bool): Show the Runner's environment and config dump.
            Defaults to False.
        threads (int, optional): PyTorch CPU threads, restored at the end.
            Defaults to None (:func:`tdn_plugin.utils.timing.set_threads`:
            ``OMP_NUM_THREADS``, else all cores).
        command (str, optional): The command line, for the markdown.
        seed (int): The seed of every run (data order, augmentation,
            initialisation); runs with other seeds show the spread of the
            numbers. Defaults to 0.

    Returns:
        dict: ``results`` (list of :class:`ModelResult`), ``failed`` (name
        -> why), ``files`` (name -> path), ``total_s``.
    """
    from tdn_plugin.utils.timing import set_threads
    start = time.perf_counter()
    registry = ABLATION_MODELS if ablation else ALL_MODELS
    names = list(models) if models else list(
        TDN_ABLATION if ablation else
        (ALL_MODELS if all_models else DEMO_MODELS))
    unknown = [name for name in names if name not in registry]
    if unknown:
        raise DemoError(f'unknown model(s) {", ".join(unknown)}: choose from '
                        f'{", ".join(registry)}')
    if len(set(names)) != len(names):
        raise DemoError(f'a model is named twice in {" ".join(names)}')
    budget = QUICK if quick else FULL
    data_dir = Path(data_dir or (QUICK_DATA if quick else DEFAULT_DATA))
    if work_dir is None:
        work_dir = ABLATION_WORK_DIR if ablation else (
            QUICK_WORK_DIR if quick else DEFAULT_WORK_DIR)
    work_dir = Path(work_dir)
    config_dir = demo_config_dir()
    configs = {name: config_dir / registry[name] for name in names}
    for path in configs.values():
        if not path.is_file():
            raise DemoError(f'demo config not found: {path}')

    work_dir.mkdir(parents=True, exist_ok=True)
    default_threads = torch.get_num_threads()
    try:
        threads_note = set_threads(threads)
        try:
            load = f', load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores'
        except OSError:
            load = ''
        log(f'tdn demo{" --quick" if quick else ""}'
            f'{" --ablation" if ablation else ""}: {len(names)} models '
            f'({", ".join(names)}), work dir {work_dir}, {threads_note}'
            f'{load}')
        index_s = speed_index(budget.speed_index_rounds)
        scaled = BUDGET_S * index_s / REFERENCE_SPEED_INDEX_S
        log(f'speed index: TSM-R50 (T=8, 224, batch 1, eager) '
            f'{index_s:.2f} s/clip here, {REFERENCE_SPEED_INDEX_S} s on the '
            f'reference machine: the default demo\'s budget here is '
            f'{duration(scaled)}')
        data = ensure_data(data_dir, budget.videos_per_class,
                           budget.val_per_class, budget.video_size, log=log)
        log(f'data: {data["dir"]}: {data["num_train"]} train / '
            f'{data["num_val"]} val videos, {len(data["classes"])} classes'
            + (f', families {", ".join(data["families"])}'
               if data['families'] else ''))
        models_start = time.perf_counter()

        def progress(name, model, cfg, run, number, count):
            done = time.perf_counter() - models_start
            left = done / number * (count - number)
            step = f'[{number}/{count}] {name}'
            log(f'{step}: top-1 {percent(run["metrics"]["acc/top1"])}, '
                f'top-5 {percent(run["metrics"]["acc/top5"])} (trained in '
                f'{duration(run["train_s"])}, tested in '
                f'{duration(run["test_s"])}); demo at '
                f'{duration(time.perf_counter() - start)}'
                + (f', about {duration(left)} to go' if left else ''))

        classes = data['classes']
        toy = is_toy_motion(classes)
        settings = budget.settings(data['dir'], seed)
        first = prepare_config(configs[names[0]], work_dir / names[0],
                               settings, len(classes))
        size = _input_size(first)
        title = (f'{"toy motion" if toy else Path(data["dir"]).name}: '
                 f'{len(classes)} classes, {data["num_train"]} train / '
                 f'{data["num_val"]} val videos; ResNet-18 from scratch, '
                 f'{size}x{size} input, {first.train_cfg.max_epochs} '
                 'epochs' + (' (--quick: plumbing only)' if quick else ''))
        compared = compare(
            [configs[name] for name in names], work_dir,
            settings, names=names, title=title,
            on_trained=progress, chance=1 / len(classes),
            order_blind=0.5 if toy else None,
            classes_info=dict(classes=classes, families=data['families']),
            extra_settings=dict(
                demo=dict(quick=quick, ablation=ablation,
                          data=data['dir'],
                          speed_index_s=round(index_s, 3),
                          reference_speed_index_s=REFERENCE_SPEED_INDEX_S,
                          budget_s=round(scaled))))
        results, files = compared['results'], compared['files']
        trained = compared['trained']
        if trained:
            cam_name = GRADCAM_MODEL if GRADCAM_MODEL in trained else next(
                iter(trained))
            files['gradcam'] = work_dir / GRADCAM_FILE.format(cam_name)
            from tdn_plugin.visualization.gradcam import gradcam_picture
            cam = gradcam_picture(*trained[cam_name], files['gradcam'],
                                  classes, title=f'{cam_name}: ')
            log(f'grad-cam of {cam_name} on val video 0: true '
                f'{classes[cam["label"]]}, predicted '
                f'{classes[cam["pred"]]}')
        total_s = time.perf_counter() - start
        files['timings'] = work_dir / TIMINGS_FILE
        files['timings'].write_text(json.dumps({
            'total_s': round(total_s, 1),
            'cpu_threads': torch.get_num_threads(),
            'speed_index_s': round(index_s, 3),
            'models': {r.name: {'train_s': round(r.train_s, 1),
                                'test_s': round(r.test_s, 1)}
                       for r in results},
        }, indent=2) + '\n')
        if (markdown is not None or ablation) and results:
            files['markdown'] = Path(markdown or work_dir / 'ablation.md')
            files['markdown'].parent.mkdir(parents=True, exist_ok=True)
            files['markdown'].write_text(markdown_report(
                results, data, first, total_s, ablation, quick, command))
        if quick:
            log('--quick checks the plumbing only: 1 epoch on tiny data, '
                'the accuracies mean nothing')
        log('\ndemo models: ' + ', '.join(
            f'{name} ({_display_path(configs[name])})' for name in names))
        for key in ('gradcam', 'markdown', 'timings'):
            if key in files:
                log(f'{key + ":":9s} {files[key]}')
        log(f'logs and checkpoints: {work_dir}/<model>/')
        log(f'total time: {duration(total_s)} (speed index {index_s:.2f} '
            f's/clip: budget here {duration(scaled)})')
        return dict(results=results, failed=compared['failed'],
                    files={k: str(v) for k, v in files.items()},
                    total_s=total_s)
    finally:
        torch.set_num_threads(default_threads)


def _input_size(cfg) -> int:
    from tdn_plugin.utils.views import config_test_pipeline
    for transform in config_test_pipeline(cfg):
        if transform.get('type') == 'Resize' and not transform.get(
                'keep_ratio', True):
            return int(transform['scale'][0])
    return 0


# what each ablation row takes away, for the markdown page
ABLATION_NOTES: Dict[str, str] = {
    'tdn': 'the full model: S-TDM at the stem and res2, L-TDM and temporal '
    'conv in every block of res3-res5',
    'no-s-tdm': 'without the short-term TDM: the appearance path sees each '
    "segment's centre frame only, no frame differences",
    'no-l-tdm': 'without the long-term TDM (the gate from neighbouring '
    "segments' feature differences)",
    'no-temporal-conv': 'without the temporal conv (the learnable shift '
    'after each L-TDM)',
    'none': 'without all three: a ResNet-18 on the centre frames with the '
    'logits averaged over segments, blind to frame order like TSN',
    'gtdnet': 'GTDNet as in the demo: GTDM (attention pooling, channel-wise '
    'attention, gate) + learnable temporal shift in res3-res5',
    'gtdnet-no-gtdm': 'GTDNet without the GTDM: the temporal shift alone',
    'gtdnet-no-temporal-conv': 'GTDNet without the temporal shift: the '
    'GTDM alone',
    'gtdnet-temporal-attention': "GTDNet with per-channel attention over "
    "time instead of channel-wise attention",
    'gtdnet-map': 'GTDNet enhancing with per-pixel difference maps instead '
    'of the channel gate',
}


def _pairs_text(families: Dict[str, List[int]]) -> str:
    """E.g. '3 pairs that differ in the order of the frames (order), 2
    pairs that differ only between consecutive frames (short-term)'."""
    from tdn_plugin.datasets.toy_motion import TWINS_DIFFER
    return ', '.join(f'{len(ids) // 2} pairs that '
                     f'{TWINS_DIFFER.get(name, "form one family")} '
                     f'({name})' for name, ids in families.items())


def markdown_report(results: List[ModelResult], data: dict, cfg,
                    total_s: float, ablation: bool, quick: bool,
                    command: Optional[str]) -> str:
    """A docs-ready page: what was run, the table, the settings."""
    optimizer = cfg.optim_wrapper.optimizer
    size = _input_size(cfg)
    segments = cfg.get('num_segments', '?')
    threads = torch.get_num_threads()
    lines = ['# TDN ablation at demo scale' if ablation else
             '# tdn demo results', '']
    if ablation:
        lines += [
            'The ablation of the TDN paper (Table 1 of Wang et al., CVPR '
            "2021: each temporal part's contribution) redone at the scale "
            'of `tdn demo`, on a laptop CPU: TDN with one temporal part '
            'switched off at a time (`configs/demo/ablation/`), everything '
            'else equal.', '']
    if command:
        lines += ['Made with (about '
                  f'{duration(total_s)} on {os.cpu_count()} CPUs):', '',
                  '```bash', command, '```', '']
    lines += [
        f'Data: `{data["dir"]}`, {len(data["classes"])} classes, '
        f'{data["num_train"]} train / {data["num_val"]} val videos'
        + (' (the toy motion set: ' + _pairs_text(data['families'])
           + '; each class is its twin played backwards, so a model blind '
           'to frame order gets at most 50%)'
           if is_toy_motion(data['classes']) else '') + '. '
        f'Every model: ResNet-18 from scratch, {size}x{size} input, '
        f'T = {segments} segments, {cfg.train_cfg.max_epochs} epochs, batch '
        f'{cfg.train_dataloader.batch_size}, {optimizer.type} (lr '
        f'{optimizer.lr}, weight decay {optimizer.weight_decay}), warm-up + '
        'cosine; tested once on the val list (1 clip, whole frame).',
        '',
        markdown_table([replace(r, config=_display_path(r.config))
                        for r in results]),
        '',
        'top-1 / top-5 / mean class: on the val list. GMACs: mmengine\'s '
        'counter, per view x views. CPU ms/view: network inference '
        f'(backbone + head) on one decoded view, batch 1, {threads} '
        f'thread{"s" if threads > 1 else ""}, median, all models measured '
        'side by side in one process. With 200 val videos a top-1 '
        'difference under about 5 points is within the noise of one run.',
    ]
    notes = [f'- **{r.name}**: {ABLATION_NOTES[r.name]}' for r in results
             if r.name in ABLATION_NOTES] if ablation else []
    if notes:
        lines += ['', *notes]
    if quick:
        lines += ['', '**--quick run: plumbing only, the numbers mean '
                  'nothing.**']
    return '\n'.join(lines) + '\n'


def main_command_line() -> str:
    """``tdn`` plus the arguments this process was started with."""
    return ' '.join(['tdn'] + sys.argv[1:])
