"""``tdn demo``: make the toy motion set, train and test TDN, TSN and TSM on
it with mmengine's Runner, and compare them (a table, ``results.json``, a
chart of accuracy against cost and a Grad-CAM picture).

The models are data: :data:`DEMO_MODELS` (and :data:`ABLATION_MODELS` for
``--ablation``) map a short name to a config under ``configs/demo``, so a
model joins the demo with one line. Each config runs as it is (data
pipeline, schedule, input size) except for what the demo has to set: where
the data and the work directory are, the number of classes of the data and,
with ``quick``, a plumbing-only budget (tiny data, 1 epoch, tiny input).
"""
import copy
import gc
import json
import math
import os
import os.path as osp
import random
import statistics
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Union

import torch

# name -> config file under configs/demo, in the order of training and of
# the table. A model joins the demo with one line here (and its config).
DEMO_MODELS: Dict[str, str] = {
    'tdn': 'tdn_toy-motion.py',
    'tsn': 'tsn_toy-motion.py',
    'tsm': 'tsm_toy-motion.py',
    'gtdnet': 'gtdnet_toy-motion.py',
}

# the paper's ablation at demo scale: TDN without each temporal part
ABLATION_MODELS: Dict[str, str] = {
    'tdn': 'tdn_toy-motion.py',
    'no-s-tdm': 'ablation/tdn_toy-motion_no-s-tdm.py',
    'no-l-tdm': 'ablation/tdn_toy-motion_no-l-tdm.py',
    'no-temporal-conv': 'ablation/tdn_toy-motion_no-temporal-conv.py',
    'none': 'ablation/tdn_toy-motion_none.py',
    # GTDNet's design choices (docs/gtdnet.md)
    'gtdnet': 'gtdnet_toy-motion.py',
    'gtdnet-no-gtdm': 'ablation/gtdnet_toy-motion_no-gtdm.py',
    'gtdnet-no-temporal-conv':
    'ablation/gtdnet_toy-motion_no-temporal-conv.py',
    'gtdnet-temporal-attention':
    'ablation/gtdnet_toy-motion_temporal-attention.py',
    'gtdnet-map': 'ablation/gtdnet_toy-motion_map.py',
}

# the model whose Grad-CAM picture is drawn (else the first one)
GRADCAM_MODEL = 'tdn'

DEFAULT_DATA = osp.join('data', 'toy-motion')
QUICK_DATA = osp.join('data', 'toy-motion-quick')
DEFAULT_WORK_DIR = osp.join('work_dirs', 'demo')
QUICK_WORK_DIR = osp.join('work_dirs', 'demo-quick')
ABLATION_WORK_DIR = osp.join('work_dirs', 'ablation')

RESULTS_FILE = 'results.json'
TIMINGS_FILE = 'timings.json'
CHART_FILE = 'accuracy_vs_cost.png'
GRADCAM_FILE = 'gradcam_{}.png'


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
        latency_runs (int): Timed rounds for the CPU latency. Defaults to 50.
    """

    videos_per_class: int
    val_per_class: int
    video_size: int
    epochs: Optional[int] = None
    input_size: Optional[int] = None
    batch_size: Optional[int] = None
    num_workers: Optional[int] = None
    latency_runs: int = 50


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
    latency_runs=3)


@dataclass
class ModelResult:
    """One model's numbers (accuracies are fractions in [0, 1])."""

    name: str
    config: str
    top1: float
    top5: float
    params: int
    gmacs: float = float('nan')
    cpu_ms_per_clip: float = float('nan')
    frames_per_clip: int = 0
    train_s: float = 0.0
    test_s: float = 0.0
    temporal_parts: Optional[Dict[str, bool]] = None

    def json(self) -> dict:
        """The model's entry of ``results.json``."""
        return {
            'top1': round(float(self.top1), 4),
            'top5': round(float(self.top5), 4),
            'params': int(self.params),
            'gmacs': round(float(self.gmacs), 4),
            'cpu_ms_per_clip': round(float(self.cpu_ms_per_clip), 2),
        }


def _log(message: str = '') -> None:
    print(message, flush=True)


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    return f'{seconds // 60}:{seconds % 60:02d}'


def demo_config_dir() -> Path:
    """The directory of the demo configs (``configs/demo``): next to the
    package (source checkout, editable install) or inside it
    (``tdn_plugin/.mim/configs/demo``, if packaged that way)."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package.parent / 'configs' / 'demo',
                      package / '.mim' / 'configs' / 'demo'):
        if (candidate / DEMO_MODELS['tdn']).is_file():
            return candidate
    raise DemoError(
        'cannot find the demo configs (configs/demo/*.py) next to the '
        f'tdn_plugin package ({package}); run the demo from a source '
        'checkout installed with pip install -e .')


def _display_path(path: Union[str, Path]) -> str:
    """``path`` relative to the working directory when below it, else
    absolute."""
    path = Path(path).resolve()
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def config_name(path: Union[str, Path]) -> str:
    """A demo config as ``configs/demo/...``, relative to its checkout."""
    path = Path(path).resolve()
    try:
        return str(path.relative_to(demo_config_dir().parents[1]))
    except ValueError:
        return str(path)


# Data ------------------------------------------------------------------------
def has_data(data_dir: Union[str, Path]) -> bool:
    """Whether ``data_dir`` holds train.txt, val.txt and their videos."""
    from tdn_plugin.datasets.toy_motion import read_video_list
    data_dir = Path(data_dir)
    try:
        entries = [entry for split in ('train', 'val')
                   for entry in read_video_list(data_dir / f'{split}.txt')]
    except (OSError, ValueError):
        return False
    return bool(entries) and all(
        (data_dir / 'videos' / name).is_file() for name, _ in entries)


def ensure_data(data_dir: Union[str, Path], budget: Budget,
                progress: bool = True) -> dict:
    """Use the video set in ``data_dir``, or make the toy motion set there.

    Any set in the layout the configs read is used as it is: ``videos/``,
    ``train.txt`` and ``val.txt`` (MMAction2 VideoDataset lists) and,
    optionally, ``classes.txt``.

    Args:
        data_dir (str | Path): The data directory.
        budget (Budget): How big a set to make.
        progress (bool): Show the generator's progress bar. Defaults to True.

    Returns:
        dict: ``dir``, ``made`` (bool), ``classes`` (names), ``num_train``,
        ``num_val``.
    """
    from tdn_plugin.datasets.toy_motion import make_toy_motion, read_video_list
    data_dir = Path(data_dir)
    made = False
    if not has_data(data_dir):
        _log(f'making the toy motion set in {data_dir}: '
             f'{budget.videos_per_class} train + {budget.val_per_class} val '
             f'videos per class, {budget.video_size}x{budget.video_size}')
        make_toy_motion(
            data_dir,
            videos_per_class=budget.videos_per_class,
            val_per_class=budget.val_per_class,
            size=budget.video_size,
            progress=progress)
        made = True
    train = read_video_list(data_dir / 'train.txt')
    val = read_video_list(data_dir / 'val.txt')
    num_classes = max(label for _, label in train + val) + 1
    classes = [f'class {i}' for i in range(num_classes)]
    classes_file = data_dir / 'classes.txt'
    if classes_file.is_file():
        names = [line.strip() for line in
                 classes_file.read_text().splitlines() if line.strip()]
        if len(names) >= num_classes:
            classes = names
    return dict(dir=str(data_dir), made=made, classes=classes,
                num_train=len(train), num_val=len(val))


def is_toy_motion(classes: Sequence[str]) -> bool:
    """Whether ``classes`` are the toy set's time-reversed pairs."""
    from tdn_plugin.datasets.toy_motion import CLASSES
    return list(classes) == list(CLASSES)


# Configs ---------------------------------------------------------------------
def _dataloaders(cfg) -> list:
    return [cfg[key] for key in ('train_dataloader', 'val_dataloader',
                                 'test_dataloader') if cfg.get(key)]


def set_input_size(cfg, size: int) -> None:
    """Set every square, fixed-size Resize of the pipelines to ``size``."""
    for loader in _dataloaders(cfg):
        for transform in loader.dataset.pipeline:
            scale = transform.get('scale')
            if (transform.get('type') == 'Resize'
                    and not transform.get('keep_ratio', True)
                    and isinstance(scale, (tuple, list))
                    and scale[0] == scale[1]):
                transform['scale'] = (size, size)


def set_epochs(cfg, epochs: int) -> None:
    """Train for ``epochs``: schedulers that would begin later are dropped,
    the others end at ``epochs`` at the latest (a cosine spans what is
    left)."""
    old = cfg.train_cfg.max_epochs
    cfg.train_cfg.max_epochs = epochs
    cfg.train_cfg.val_interval = epochs
    schedulers = []
    for scheduler in cfg.get('param_scheduler') or []:
        begin = scheduler.get('begin', 0)
        if begin >= epochs:
            continue
        end = min(scheduler.get('end', old), epochs)
        scheduler['end'] = end
        if 'T_max' in scheduler:
            scheduler['T_max'] = end - begin
        schedulers.append(scheduler)
    cfg.param_scheduler = schedulers


def demo_config(config: Union[str, Path],
                data_dir: Union[str, Path],
                work_dir: Union[str, Path],
                num_classes: int,
                budget: Budget = FULL):
    """Load a demo config and point it at the data and the work directory.

    The demo tests each model once, after training (``runner.test()`` on the
    val list), so the in-training validation is switched off; only the last
    checkpoint is kept, without the optimiser state.

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
    from mmengine.config import Config
    cfg = Config.fromfile(str(config))
    data_dir = Path(data_dir)
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        split = 'train' if key == 'train_dataloader' else 'val'
        dataset = cfg[key].dataset
        dataset.ann_file = str(data_dir / f'{split}.txt')
        dataset.data_prefix = dict(video=str(data_dir / 'videos'))
    cfg.model.cls_head.num_classes = num_classes
    if budget.input_size is not None:
        set_input_size(cfg, budget.input_size)
    if budget.epochs is not None:
        set_epochs(cfg, budget.epochs)
    for loader in _dataloaders(cfg):
        if budget.batch_size is not None:
            loader.batch_size = budget.batch_size
        if budget.num_workers is not None:
            loader.num_workers = budget.num_workers
            loader.persistent_workers = budget.num_workers > 0
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.default_hooks.checkpoint.update(
        interval=cfg.train_cfg.max_epochs,
        max_keep_ckpts=1,
        save_best=None,
        save_optimizer=False,
        save_param_scheduler=False)
    cfg.work_dir = str(work_dir)
    cfg.launcher = 'none'
    return cfg


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


def build_runner(cfg, verbose: bool = False):
    """mmengine's Runner for ``cfg``; unless ``verbose``, without its
    environment and config dump on the console (the config is saved in the
    work directory all the same)."""
    from mmengine.runner import Runner
    if verbose:
        return Runner.from_cfg(cfg)
    level = cfg.get('log_level', 'INFO')
    cfg.log_level = 'WARNING'
    runner = Runner.from_cfg(cfg)
    for handler in runner.logger.handlers:
        handler.setLevel(level)
    return runner


# Measurements ----------------------------------------------------------------
def one_clip(cfg, index: int = 0) -> dict:
    """Sample ``index`` of the test list through the test pipeline,
    collated as a batch of 1 (``inputs``, ``data_samples``)."""
    from mmaction.registry import DATASETS
    from mmengine.dataset import pseudo_collate
    dataset = DATASETS.build(copy.deepcopy(cfg.test_dataloader.dataset))
    return pseudo_collate([dataset[index]])


def clip_gmacs(model: torch.nn.Module, inputs: torch.Tensor) -> float:
    """G multiply-accumulates of the conv and linear layers (the convention
    of the TSM/TDN papers) for preprocessed ``inputs`` (1, frames, 3, H, W),
    backbone and head, counted by PyTorch's ``FlopCounterMode`` on the real
    forward (FLOPs / 2)."""
    from torch.utils.flop_counter import FlopCounterMode
    model.eval()
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model.extract_feat(inputs, stage='head', test_mode=True)
    return counter.get_total_flops() / 2e9


def measure_models(models: Dict[str, torch.nn.Module],
                   clips: Dict[str, dict],
                   runs: int = 50,
                   warmup: int = 5) -> Dict[str, dict]:
    """GMACs, frames and CPU latency (ms) of each model on one clip.

    The latency is the network's inference (backbone and head, batch 1) on
    one decoded and normalised clip, made contiguous: MMAction2's pipeline
    hands the model a channels-last strided tensor, which makes a plain
    ResNet (TSN) about 1.5x slower on CPU while the models whose first op
    copies the frames (TSM's shift, TDN's differences) do not pay for it.
    The models are timed side by side: round after round each model runs
    once, in a shuffled order, so that a change of machine load hits all of
    them alike; the median of ``runs`` rounds is reported.

    Args:
        models (dict): name -> recognizer.
        clips (dict): name -> a collated clip of the model's test pipeline.
        runs (int): Timed rounds. Defaults to 50.
        warmup (int): Rounds before timing. Defaults to 5.

    Returns:
        dict: name -> ``gmacs``, ``frames``, ``cpu_ms_per_clip``.
    """
    results, inputs = {}, {}
    for name, model in models.items():
        model.eval()
        data = model.data_preprocessor(copy.copy(clips[name]), False)
        inputs[name] = data['inputs'].contiguous()
        results[name] = dict(
            gmacs=clip_gmacs(model, inputs[name]),
            frames=int(inputs[name].shape[1]))
    times = {name: [] for name in models}
    order = list(models)
    shuffle = random.Random(0).shuffle
    with torch.no_grad():
        for round_index in range(warmup + runs):
            shuffle(order)  # no model always runs right after another
            for name in order:
                start = time.perf_counter()
                models[name].extract_feat(
                    inputs[name], stage='head', test_mode=True)
                if round_index >= warmup:
                    times[name].append(time.perf_counter() - start)
    for name in models:
        results[name]['cpu_ms_per_clip'] = 1000 * statistics.median(
            times[name])
    return results


# Reports ---------------------------------------------------------------------
def _percent(value: float) -> str:
    return f'{100 * value:.1f}%'


def table_rows(results: List[ModelResult]) -> List[List[str]]:
    """Header and one row per model, as strings."""
    rows = [['model', 'top-1', 'top-5', 'params', 'GMACs/clip',
             'CPU ms/clip', 'config']]
    for r in results:
        rows.append([
            r.name,
            _percent(r.top1),
            _percent(r.top5),
            f'{r.params / 1e6:.2f} M',
            f'{r.gmacs:.3f}',
            f'{r.cpu_ms_per_clip:.1f}',
            r.config,
        ])
    return rows


def format_table(results: List[ModelResult]) -> str:
    """The side-by-side table printed at the end."""
    rows = table_rows(results)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        cells = [cell.ljust(width) if i in (0, len(row) - 1) else
                 cell.rjust(width) for i, (cell, width) in enumerate(
                     zip(row, widths))]
        lines.append('  '.join(cells).rstrip())
        if index == 0:
            lines.append('  '.join('-' * w for w in widths))
    return '\n'.join(lines)


def markdown_table(results: List[ModelResult]) -> str:
    """The table in markdown; with TDN's temporal parts when the models
    are TDN variants."""
    with_parts = any(r.temporal_parts for r in results)
    header = ['model']
    if with_parts:
        header += ['S-TDM', 'L-TDM', 'temporal conv']
    header += ['top-1', 'top-5', 'params', 'GMACs/clip', 'CPU ms/clip',
               'config']
    lines = ['| ' + ' | '.join(header) + ' |',
             '|' + '|'.join('---' if i in (0, len(header) - 1) else '---:'
                            for i in range(len(header))) + '|']
    for r in results:
        row = [f'**{r.name}**' if r.name == 'tdn' else r.name]
        if with_parts:
            parts = r.temporal_parts or {}
            row += ['yes' if parts.get(key) else '-' for key in
                    ('S-TDM', 'L-TDM', 'temporal conv')]
        row += [_percent(r.top1), _percent(r.top5), f'{r.params / 1e6:.2f} M',
                f'{r.gmacs:.3f}', f'{r.cpu_ms_per_clip:.1f}',
                f'`{r.config}`']
        lines.append('| ' + ' | '.join(row) + ' |')
    return '\n'.join(lines)


_COLOURS = {'tdn': '#d62728', 'tsn': '#1f77b4', 'tsm': '#2ca02c',
            'gtdnet': '#9467bd'}
_OTHER_COLOURS = ['#ff7f0e', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22',
                  '#17becf']


def _colours(names: Sequence[str]) -> Dict[str, str]:
    others = iter(_OTHER_COLOURS * 4)
    return {name: _COLOURS.get(name) or next(others) for name in names}


def plot_chart(results: List[ModelResult],
               path: Union[str, Path],
               title: str,
               chance: Optional[float] = None,
               order_blind: Optional[float] = None) -> None:
    """Accuracy and cost at a glance: top-1 per model (bars, with GMACs and
    parameters under each), and top-1 against CPU latency, with the chance
    level and, for the toy set, the best a model blind to frame order can
    do.

    Args:
        results (list[ModelResult]): The models.
        path (str | Path): The PNG to write.
        title (str): The figure's title.
        chance (float, optional): Chance top-1 (1 / classes).
        order_blind (float, optional): Best top-1 without frame order.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    colours = _colours([r.name for r in results])
    fig, (bars, scatter) = plt.subplots(
        1, 2, figsize=(12, 5), gridspec_kw=dict(width_ratios=[1, 1.2]))
    top1 = [100 * r.top1 for r in results]
    positions = list(range(len(results)))
    bars.bar(positions, top1, width=0.6,
             color=[colours[r.name] for r in results], edgecolor='black',
             linewidth=0.6, zorder=3)
    for x, value in zip(positions, top1):
        bars.text(x, value + 1.5, f'{value:.1f}%', ha='center',
                  va='bottom', fontsize=12, fontweight='bold')
    bars.set_xticks(positions)
    bars.set_xticklabels([
        f'{r.name}\n{r.gmacs:.2f} GMACs\n{r.params / 1e6:.1f} M params'
        for r in results], fontsize=9)
    for label in bars.get_xticklabels():
        label.set_fontweight('normal')
    bars.set_ylabel('top-1 accuracy on val (%)')
    bars.set_title('top-1 accuracy')

    costs = [r.cpu_ms_per_clip for r in results]
    for index, (r, cost, value) in enumerate(zip(results, costs, top1)):
        scatter.scatter(cost, value, s=220, color=colours[r.name],
                        edgecolor='black', linewidth=0.6, zorder=3)
        scatter.annotate(r.name, (cost, value),
                         xytext=(10, 8 if index % 2 == 0 else -14),
                         textcoords='offset points', fontsize=11,
                         fontweight='bold', color=colours[r.name])
    finite = [c for c in costs if math.isfinite(c)] or [1.0]
    scatter.set_xlim(0, max(finite) * 1.35)
    threads = torch.get_num_threads()
    scatter.set_xlabel(f'CPU ms per clip (inference, batch 1, {threads} '
                       f'thread{"s" if threads > 1 else ""}): lower is '
                       'cheaper')
    scatter.set_title('accuracy vs cost: up and left is better')

    for ax in (bars, scatter):
        ax.set_ylim(0, 109)
        ax.grid(axis='y', alpha=0.3, zorder=0)
        if chance is not None:
            ax.axhline(100 * chance, color='grey', linestyle=':',
                       linewidth=1)
        if order_blind is not None:
            ax.axhline(100 * order_blind, color='black', linestyle='--',
                       linewidth=1, alpha=0.6)
    if chance is not None:
        scatter.text(0.99, 100 * chance + 1, f'chance ({_percent(chance)})',
                     transform=scatter.get_yaxis_transform(), ha='right',
                     fontsize=8, color='grey')
    if order_blind is not None:
        scatter.text(0.99, 100 * order_blind + 1,
                     'best possible without frame order '
                     f'({_percent(order_blind)})',
                     transform=scatter.get_yaxis_transform(), ha='right',
                     fontsize=8)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    fig.savefig(str(path), dpi=110)
    plt.close(fig)


def target_layer(model: torch.nn.Module, input_size: int) -> str:
    """GradCAM's name of the deepest residual stage whose maps are still at
    least 4x4 for ``input_size`` inputs (the last stage of a ResNet on 64 px
    frames is 2x2, too coarse to show where the model looks)."""
    backbone = model.backbone
    stages = list(getattr(backbone, 'res_layers', []))
    if not stages:
        return 'backbone/layer4'
    strides = list(getattr(backbone, 'strides', [1, 2, 2, 2]))
    chosen, stride = stages[0], 4  # the stem: conv /2, maxpool /2
    for name, stage_stride in zip(stages, strides):
        stride *= stage_stride
        if input_size / stride < 4:
            break
        chosen = name
    return f'backbone/{chosen}'


def gradcam_picture(model: torch.nn.Module,
                    cfg,
                    path: Union[str, Path],
                    classes: Sequence[str],
                    index: int = 0,
                    title: str = '') -> dict:
    """Grad-CAM of one test video with MMAction2's ``GradCAM``.

    ``GradCAM`` works for TDN as it is: TDNRecognizer is a Recognizer2D; the
    last stage's maps are (T, C, h, w), one per segment, and GradCAM
    stretches them over the T * 5 input frames with a trilinear resize,
    under which frame ``5 t + 2`` (segment t's centre frame, the one the
    appearance path sees) gets exactly segment t's map. The picture shows
    those centre frames (all frames for TSN/TSM), above with their heat
    maps. It runs on a copy of the model (GradCAM leaves hooks behind).

    Returns:
        dict: ``label``, ``pred`` (class indices), ``layer``.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from mmaction.utils import GradCAM

    model = copy.deepcopy(model)
    data = one_clip(cfg, index)
    layer = target_layer(model, data['inputs'][0].shape[-1])
    with warnings.catch_warnings():
        # GradCAM uses the deprecated register_backward_hook
        warnings.simplefilter('ignore')
        cam = GradCAM(model, layer, colormap='jet')
        blended, preds = cam(data, use_labels=False, alpha=0.45)
    frames = data['inputs'][0]  # (frames, 3, H, W) uint8
    per_segment = getattr(model.backbone, 'frames_per_segment', 1)
    show = list(range(per_segment // 2, frames.shape[0], per_segment))
    label = int(data['data_samples'][0].gt_label.item())
    pred = int(preds[0].argmax())
    columns = len(show)
    fig, axes = plt.subplots(2, columns, figsize=(1.5 * columns + 0.4, 3.6),
                             squeeze=False)
    for column, frame_index in enumerate(show):
        raw = frames[frame_index].permute(1, 2, 0).numpy()
        axes[0, column].imshow(raw, interpolation='bilinear')
        axes[1, column].imshow(blended[0, frame_index].numpy(),
                               interpolation='bilinear')
        axes[0, column].set_title(f'segment {column + 1}' if per_segment > 1
                                  else f'frame {column + 1}', fontsize=8)
        for row in range(2):
            axes[row, column].axis('off')

    def name(i):
        return classes[i] if i < len(classes) else str(i)

    verdict = 'right' if pred == label else 'wrong'
    fig.suptitle(f'{title}Grad-CAM ({layer.replace("/", ".")}), val video '
                 f'{index}\ntrue "{name(label)}", predicted "{name(pred)}" '
                 f'({verdict})', fontsize=10)
    fig.tight_layout(h_pad=0.6)
    fig.savefig(str(path), dpi=110)
    plt.close(fig)
    return dict(label=label, pred=pred, layer=layer)


# The demo --------------------------------------------------------------------
def _unwrap(model: torch.nn.Module) -> torch.nn.Module:
    from mmengine.model import is_model_wrapper
    return model.module if is_model_wrapper(model) else model


def idle_cpus(window: float = 0.5) -> Optional[float]:
    """CPUs left idle by other work right now: the idle share of
    ``/proc/stat`` over ``window`` seconds times the CPUs this process may
    use (None where there is no /proc/stat)."""
    def sample():
        with open('/proc/stat') as f:
            values = [int(v) for v in f.readline().split()[1:]]
        return values[3] + values[4], sum(values)  # idle + iowait, total

    try:
        idle0, total0 = sample()
        time.sleep(window)
        idle1, total1 = sample()
    except (OSError, ValueError, IndexError):
        return None
    machine = os.cpu_count() or 1
    usable = len(os.sched_getaffinity(0)) if hasattr(
        os, 'sched_getaffinity') else machine
    idle = machine * (idle1 - idle0) / max(total1 - total0, 1)
    return min(float(usable), idle)


def choose_threads(threads: Optional[int] = None) -> str:
    """Set PyTorch's CPU threads for the demo and say why.

    ``threads`` if given; else what ``OMP_NUM_THREADS`` asked for; else the
    CPUs that other work leaves idle right now (at least 1, at most
    PyTorch's default). On a busy machine, more threads than idle cores
    make PyTorch's threads wait for each other and training runs several
    times slower, not faster.

    Returns:
        str: How many threads and why.
    """
    default = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
        return f'{threads} CPU thread{"s" if threads > 1 else ""} (--threads)'
    if os.environ.get('OMP_NUM_THREADS'):
        return f'{default} CPU threads (OMP_NUM_THREADS)'
    idle = idle_cpus()
    if idle is None:
        return f'{default} CPU threads'
    chosen = max(1, min(default, math.ceil(idle - 0.25)))
    torch.set_num_threads(chosen)
    if chosen < default:
        return (f'{chosen} CPU thread{"s" if chosen > 1 else ""} (other work '
                f'keeps the machine busy: {idle:.1f} of {os.cpu_count()} CPUs '
                'idle; --threads N to override)')
    return f'{chosen} CPU threads'


def _setup() -> None:
    """Registries and default scope, as MMAction2's tools do."""
    from mmaction.utils import register_all_modules
    from mmengine.registry import init_default_scope

    import tdn_plugin  # noqa: F401  (first: repairs the PyPI stack)
    register_all_modules(init_default_scope=False)
    init_default_scope('mmaction')


def train_and_test(name: str, config: Path, cfg, step: str, num_train: int,
                   num_val: int, verbose: bool = False) -> tuple:
    """Train and test one model with mmengine's Runner.

    Returns:
        tuple: The trained model and its :class:`ModelResult` (accuracies,
        parameters, times; MACs and latency come later).
    """
    batch = cfg.train_dataloader.batch_size
    _log(f'\n{step}: training {_display_path(config)}: '
         f'{cfg.train_cfg.max_epochs} epochs x '
         f'{math.ceil(num_train / batch)} iterations of {batch} clips ...')
    runner = build_runner(cfg, verbose)
    tick = time.perf_counter()
    runner.train()
    train_s = time.perf_counter() - tick
    _log(f'{step}: testing on {num_val} val videos ...')
    tick = time.perf_counter()
    metrics = runner.test()
    test_s = time.perf_counter() - tick
    model = _unwrap(runner.model)
    del runner  # and its data loader workers
    gc.collect()
    result = ModelResult(
        name=name,
        config=config_name(config),
        top1=float(metrics['acc/top1']),
        top5=float(metrics['acc/top5']),
        params=sum(p.numel() for p in model.parameters()),
        train_s=train_s,
        test_s=test_s,
        temporal_parts=temporal_parts(cfg))
    return model, result


def run_demo(work_dir: Optional[Union[str, Path]] = None,
             models: Optional[Sequence[str]] = None,
             data_dir: Optional[Union[str, Path]] = None,
             quick: bool = False,
             ablation: bool = False,
             markdown: Optional[Union[str, Path]] = None,
             verbose: bool = False,
             threads: Optional[int] = None,
             command: Optional[str] = None) -> dict:
    """Run the demo (see the module docstring).

    Args:
        work_dir (str | Path, optional): Where results, logs and checkpoints
            go. Defaults to ``work_dirs/demo`` (``work_dirs/demo-quick``
            with ``quick``, ``work_dirs/ablation`` with ``ablation``).
        models (Sequence[str], optional): Names of :data:`DEMO_MODELS` (or
            :data:`ABLATION_MODELS`). Defaults to all, in their order.
        data_dir (str | Path, optional): The data; made there if absent.
            Defaults to ``data/toy-motion`` (``data/toy-motion-quick`` with
            ``quick``) under the working directory.
        quick (bool): Plumbing check: tiny data, 1 epoch, tiny input.
            Defaults to False.
        ablation (bool): Run :data:`ABLATION_MODELS`. Defaults to False.
        markdown (str | Path, optional): Also write the table, settings and
            command as markdown there. Defaults to None (with ``ablation``:
            ``WORK_DIR/ablation.md``).
        verbose (bool): Show the Runner's environment and config dump.
            Defaults to False.
        threads (int, optional): PyTorch CPU threads, restored at the end.
            Defaults to None (:func:`choose_threads`).
        command (str, optional): The command line, for the markdown.

    Returns:
        dict: ``results`` (list of :class:`ModelResult`), ``files``
        (name -> path), ``total_s``.
    """
    start = time.perf_counter()
    registry = ABLATION_MODELS if ablation else DEMO_MODELS
    names = list(models) if models else list(registry)
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

    _setup()
    import matplotlib
    matplotlib.use('Agg')
    work_dir.mkdir(parents=True, exist_ok=True)
    default_threads = torch.get_num_threads()
    try:
        threads_note = choose_threads(threads)
        _log(f'tdn demo{" --quick" if quick else ""}'
             f'{" --ablation" if ablation else ""}: {len(names)} models '
             f'({", ".join(names)}), work dir {work_dir}, {threads_note}')
        data = ensure_data(data_dir, budget)
        _log(f'data: {data["dir"]}: {data["num_train"]} train / '
             f'{data["num_val"]} val videos, {len(data["classes"])} classes')

        results: List[ModelResult] = []
        trained: Dict[str, tuple] = {}
        models_start = time.perf_counter()
        for number, name in enumerate(names, 1):
            step = f'[{number}/{len(names)}] {name}'
            cfg = demo_config(configs[name], data['dir'], work_dir / name,
                              len(data['classes']), budget)
            model, result = train_and_test(name, configs[name], cfg, step,
                                           data['num_train'],
                                           data['num_val'], verbose)
            results.append(result)
            trained[name] = (model, cfg)
            done = time.perf_counter() - models_start
            left = done / number * (len(names) - number)
            _log(f'{step}: top-1 {_percent(result.top1)}, top-5 '
                 f'{_percent(result.top5)} (trained in '
                 f'{_duration(result.train_s)}, tested in '
                 f'{_duration(result.test_s)}); demo at '
                 f'{_duration(time.perf_counter() - start)}'
                 + (f', about {_duration(left)} to go' if left else ''))

        _log(f'\nmeasuring MACs and CPU latency side by side (batch 1, '
             f'{budget.latency_runs} rounds) ...')
        measured = measure_models(
            {name: model for name, (model, _) in trained.items()},
            {name: one_clip(cfg) for name, (_, cfg) in trained.items()},
            runs=budget.latency_runs)
        for result in results:
            result.gmacs = measured[result.name]['gmacs']
            result.cpu_ms_per_clip = measured[result.name]['cpu_ms_per_clip']
            result.frames_per_clip = measured[result.name]['frames']
        files = write_outputs(results, trained, data, work_dir, quick)
        total_s = time.perf_counter() - start
        files['timings'] = work_dir / TIMINGS_FILE
        files['timings'].write_text(json.dumps({
            'total_s': round(total_s, 1),
            'cpu_threads': torch.get_num_threads(),
            'models': {r.name: {'train_s': round(r.train_s, 1),
                                'test_s': round(r.test_s, 1)}
                       for r in results},
        }, indent=2) + '\n')
        if markdown is not None or ablation:
            files['markdown'] = Path(markdown or work_dir / 'ablation.md')
            files['markdown'].parent.mkdir(parents=True, exist_ok=True)
            files['markdown'].write_text(markdown_report(
                results, data, trained, total_s, ablation, quick, command))
        report(results, names, configs, files, budget, quick, total_s)
        return dict(results=results,
                    files={k: str(v) for k, v in files.items()},
                    total_s=total_s)
    finally:
        torch.set_num_threads(default_threads)


def write_outputs(results: List[ModelResult], trained: dict, data: dict,
                  work_dir: Path, quick: bool) -> Dict[str, Path]:
    """``results.json``, the chart and the Grad-CAM picture."""
    files = {'results': work_dir / RESULTS_FILE}
    files['results'].write_text(json.dumps(
        {'models': {r.name: r.json() for r in results}}, indent=2) + '\n')

    classes = data['classes']
    toy = is_toy_motion(classes)
    first_cfg = next(iter(trained.values()))[1]
    size = _input_size(first_cfg)
    title = (f'{"toy motion" if toy else Path(data["dir"]).name}: '
             f'{len(classes)} classes, {data["num_train"]} train / '
             f'{data["num_val"]} val videos; ResNet-18 from scratch, '
             f'{size}x{size} input, {first_cfg.train_cfg.max_epochs} '
             'epochs' + (' (--quick: plumbing only)' if quick else ''))
    files['chart'] = work_dir / CHART_FILE
    plot_chart(results, files['chart'], title, chance=1 / len(classes),
               order_blind=0.5 if toy else None)

    cam_name = GRADCAM_MODEL if GRADCAM_MODEL in trained else next(
        iter(trained))
    files['gradcam'] = work_dir / GRADCAM_FILE.format(cam_name)
    cam = gradcam_picture(*trained[cam_name], files['gradcam'], classes,
                          title=f'{cam_name}: ')
    _log(f'grad-cam of {cam_name} on val video 0: true '
         f'{classes[cam["label"]]}, predicted {classes[cam["pred"]]}')
    return files


def report(results: List[ModelResult], names: List[str],
           configs: Dict[str, Path], files: Dict[str, Path], budget: Budget,
           quick: bool, total_s: float) -> None:
    """The table and where everything went."""
    threads = torch.get_num_threads()
    _log('\n' + format_table(results))
    _log(f'\nCPU ms/clip: network inference on one decoded clip, batch 1, '
         f'{threads} '
         f'thread{"s" if threads > 1 else ""}, median of '
         f'{budget.latency_runs}, measured side by side; GMACs: conv + '
         'linear multiply-accumulates per clip')
    if quick:
        _log('--quick checks the plumbing only: 1 epoch on tiny data, the '
             'accuracies mean nothing')
    _log('\ndemo models: ' + ', '.join(
        f'{name} ({_display_path(configs[name])})' for name in names))
    _log(f'results:  {files["results"]}')
    _log(f'chart:    {files["chart"]}')
    _log(f'grad-cam: {files["gradcam"]}')
    if 'markdown' in files:
        _log(f'markdown: {files["markdown"]}')
    _log(f'logs and checkpoints: {files["results"].parent}/<model>/')
    _log(f'total time: {_duration(total_s)}')


def _input_size(cfg) -> int:
    for transform in cfg.test_dataloader.dataset.pipeline:
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


def markdown_report(results: List[ModelResult], data: dict, trained: dict,
                    total_s: float, ablation: bool, quick: bool,
                    command: Optional[str]) -> str:
    """A docs-ready page: what was run, the table, the settings."""
    cfg = next(iter(trained.values()))[1]
    optimizer = cfg.optim_wrapper.optimizer
    size = _input_size(cfg)
    segments = cfg.get('num_segments', '?')
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
                  f'{_duration(total_s)} on {os.cpu_count()} CPUs):', '',
                  '```bash', command, '```', '']
    lines += [
        f'Data: `{data["dir"]}`, {len(data["classes"])} classes, '
        f'{data["num_train"]} train / {data["num_val"]} val videos'
        + (' (the toy motion set: 5 pairs of time-reversed classes, so a '
           'model blind to frame order gets at most 50%)'
           if is_toy_motion(data['classes']) else '') + '. '
        f'Every model: ResNet-18 from scratch, {size}x{size} input, '
        f'T = {segments} segments, {cfg.train_cfg.max_epochs} epochs, batch '
        f'{cfg.train_dataloader.batch_size}, {optimizer.type} (lr '
        f'{optimizer.lr}, weight decay {optimizer.weight_decay}), warm-up + '
        'cosine; tested once on the val list (1 clip, whole frame).',
        '',
        markdown_table(results),
        '',
        'top-1 / top-5: on the val list. GMACs: conv + linear '
        'multiply-accumulates per clip. CPU ms/clip: network inference '
        f'(backbone + head) on one decoded clip, batch 1, '
        f'{torch.get_num_threads()} '
        f'thread{"s" if torch.get_num_threads() > 1 else ""}, median, all '
        'models measured side by side in one process. With 200 val videos '
        'a top-1 difference under about 5 points is within the noise of '
        'one run.',
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
