"""Reports of a comparison: the numbers of each model (from its test
predictions), the console table, markdown, CSV, ``results.json``, the chart
(accuracy against cost, per family) and confusion matrices.

Nothing here trains or times anything: :mod:`tdn_plugin.apis.compare`
fills :class:`ModelResult` and calls these writers.
"""
import csv
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Union

import numpy as np

RESULTS_FILE = 'results.json'
CSV_FILE = 'results.csv'
MARKDOWN_FILE = 'results.md'
CHART_FILE = 'accuracy_vs_cost.png'
CONFUSION_FILE = 'confusion_{}.png'


@dataclass
class Accuracy:
    """Accuracies of one model's test predictions (fractions in [0, 1]).

    Args:
        top1 (float): Top-1 accuracy.
        top5 (float): Top-5 accuracy (top-K with K classes < 5).
        mean_class (float): Mean over the classes present of each class's
            top-1 (MMAction2's mean class accuracy).
        families (dict): Family name -> top-1 over the videos of that
            family's classes.
        confusion (np.ndarray): (classes, classes) counts, row = true class,
            column = predicted class.
    """

    top1: float
    top5: float
    mean_class: float
    families: Dict[str, float]
    confusion: np.ndarray


def accuracy(scores: np.ndarray, labels: np.ndarray,
             families: Optional[Dict[str, List[int]]] = None) -> Accuracy:
    """Accuracies from class scores.

    Args:
        scores (np.ndarray): (videos, classes) scores.
        labels (np.ndarray): (videos, ) true classes.
        families (dict, optional): Family name -> its class indices.
            Defaults to None.

    Returns:
        Accuracy: The numbers.
    """
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    num_classes = scores.shape[1]
    pred = scores.argmax(1)
    k = min(5, num_classes)
    topk = np.argsort(scores, axis=1)[:, -k:]
    hit = pred == labels
    confusion = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(confusion, (labels, pred), 1)
    present = [c for c in range(num_classes) if (labels == c).any()]
    per_family = {}
    for name, members in (families or {}).items():
        mask = np.isin(labels, list(members))
        per_family[name] = float(hit[mask].mean()) if mask.any() else float(
            'nan')
    return Accuracy(
        top1=float(hit.mean()),
        top5=float((topk == labels[:, None]).any(1).mean()),
        mean_class=float(np.mean([hit[labels == c].mean()
                                  for c in present])),
        families=per_family,
        confusion=confusion)


@dataclass
class ModelResult:
    """One model's row of the comparison."""

    name: str
    config: str
    top1: float = float('nan')
    top5: float = float('nan')
    mean_class: float = float('nan')
    params: int = 0
    gmacs: float = float('nan')  # per view
    views: int = 1
    frames_per_view: int = 0
    latency: Optional[dict] = None  # min_ms, median_ms, max_ms, rounds
    latency_device: str = 'cpu'
    train_s: float = float('nan')
    test_s: float = float('nan')
    data_s: float = float('nan')
    compute_s: float = float('nan')
    families: Dict[str, float] = field(default_factory=dict)
    confusion: Optional[np.ndarray] = None
    temporal_parts: Optional[Dict[str, bool]] = None
    work_dir: str = ''
    checkpoint: str = ''

    @property
    def ms_per_view(self) -> float:
        return (self.latency or {}).get('median_ms', float('nan'))

    @property
    def gmacs_per_video(self) -> float:
        return self.gmacs * self.views

    def json(self) -> dict:
        """The model's entry of ``results.json``."""

        def number(value, digits):
            value = float(value)
            return round(value, digits) if math.isfinite(value) else None

        entry = {
            'top1': number(self.top1, 4),
            'top5': number(self.top5, 4),
            'params': int(self.params),
            'gmacs': number(self.gmacs, 4),
            'cpu_ms_per_clip': number(self.ms_per_view, 2)
            if self.latency_device == 'cpu' else None,
            'mean_class_accuracy': number(self.mean_class, 4),
            'gmacs_per_view': number(self.gmacs, 4),
            'views': self.views,
            'gmacs_per_video': number(self.gmacs_per_video, 4),
            'frames_per_view': self.frames_per_view,
            'latency': dict(self.latency or {}, device=self.latency_device,
                            unit='ms per view, batch 1'),
            'train_s': number(self.train_s, 1),
            'test_s': number(self.test_s, 1),
            'data_s': number(self.data_s, 1),
            'compute_s': number(self.compute_s, 1),
            'config': self.config,
            'work_dir': self.work_dir,
            'checkpoint': self.checkpoint,
        }
        if self.families:
            entry['families'] = {name: {'top1': number(value, 4)}
                                 for name, value in self.families.items()}
        return entry


def percent(value: float) -> str:
    """``0.5`` -> ``'50.0%'`` (``'-'`` if not a number)."""
    return f'{100 * value:.1f}%' if math.isfinite(value) else '-'


def _seconds(value: float) -> str:
    return f'{value:.0f}' if math.isfinite(value) else '-'


def _family_names(results: Sequence[ModelResult]) -> List[str]:
    names: List[str] = []
    for r in results:
        names += [n for n in r.families if n not in names]
    return names


def table_rows(results: Sequence[ModelResult]) -> List[List[str]]:
    """Header and one row per model, as strings."""
    families = _family_names(results)
    device = results[0].latency_device.upper() if results else 'CPU'
    rows = [['model', 'top-1', 'top-5', 'mean class'] + families +
            ['params', 'GMACs/view x views', f'{device} ms/view',
             'data s / compute s', 'config']]
    for r in results:
        rows.append([
            r.name, percent(r.top1), percent(r.top5), percent(r.mean_class)
        ] + [percent(r.families.get(f, float('nan'))) for f in families] + [
            f'{r.params / 1e6:.2f} M',
            f'{r.gmacs:.3f} x {r.views}',
            f'{r.ms_per_view:.1f}',
            f'{_seconds(r.data_s)} / {_seconds(r.compute_s)}',
            r.config,
        ])
    return rows


def format_table(results: Sequence[ModelResult]) -> str:
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


def markdown_table(results: Sequence[ModelResult]) -> str:
    """The table in markdown; with TDN's temporal parts when the models are
    TDN variants."""
    rows = table_rows(results)
    header, body = rows[0], rows[1:]
    with_parts = any(r.temporal_parts for r in results)
    if with_parts:
        header = header[:1] + ['S-TDM', 'L-TDM', 'temporal conv'
                               ] + header[1:]
    lines = ['| ' + ' | '.join(header) + ' |',
             '|' + '|'.join('---' if i in (0, len(header) - 1) else '---:'
                            for i in range(len(header))) + '|']
    for r, row in zip(results, body):
        row = list(row)
        row[0] = f'**{r.name}**' if r.name == 'tdn' else r.name
        row[-1] = f'`{r.config}`'
        if with_parts:
            parts = r.temporal_parts or {}
            row = row[:1] + ['yes' if parts.get(key) else '-' for key in
                             ('S-TDM', 'L-TDM', 'temporal conv')] + row[1:]
        lines.append('| ' + ' | '.join(row) + ' |')
    return '\n'.join(lines)


def write_csv(results: Sequence[ModelResult], path: Union[str,
                                                          Path]) -> None:
    """One row per model, the numbers unformatted (fractions, ms, s)."""
    families = _family_names(results)
    fields = ['model', 'top1', 'top5', 'mean_class_accuracy'] + [
        f'top1_{f}' for f in families
    ] + ['params', 'gmacs_per_view', 'views', 'gmacs_per_video',
         'frames_per_view', 'latency_device', 'ms_per_view_min',
         'ms_per_view_median', 'ms_per_view_max', 'train_s', 'test_s',
         'data_s', 'compute_s', 'config']
    with open(path, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(fields)
        for r in results:
            latency = r.latency or {}
            writer.writerow(
                [r.name, r.top1, r.top5, r.mean_class] +
                [r.families.get(name, '') for name in families] + [
                    r.params, r.gmacs, r.views, r.gmacs_per_video,
                    r.frames_per_view, r.latency_device,
                    latency.get('min_ms', ''), latency.get('median_ms', ''),
                    latency.get('max_ms', ''), r.train_s, r.test_s, r.data_s,
                    r.compute_s, r.config
                ])


def write_json(results: Sequence[ModelResult], path: Union[str, Path],
               settings: Optional[dict] = None,
               failed: Optional[Dict[str, str]] = None) -> None:
    """``results.json``: ``models`` (name -> numbers), and where given
    ``failed`` (name -> why) and ``settings`` (threads, seed, versions,
    machine, wall times...)."""
    data: dict = {'models': {r.name: r.json() for r in results}}
    if failed:
        data['failed'] = dict(failed)
    if settings:
        data['settings'] = settings
    Path(path).write_text(json.dumps(data, indent=2) + '\n')


_COLOURS = {'tdn': '#d62728', 'tsn': '#1f77b4', 'tsm': '#2ca02c',
            'gtdnet': '#9467bd', 'tanet': '#ff7f0e', 'trn': '#8c564b',
            'tpn': '#e377c2'}
_OTHER_COLOURS = ['#7f7f7f', '#bcbd22', '#17becf', '#393b79', '#637939',
                  '#8c6d31']


def _colours(names: Sequence[str]) -> Dict[str, str]:
    others = iter(_OTHER_COLOURS * (len(names) // len(_OTHER_COLOURS) + 1))
    return {name: _COLOURS.get(name) or next(others) for name in names}


def _pyplot():
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    return plt


def plot_chart(results: Sequence[ModelResult],
               path: Union[str, Path],
               title: str,
               chance: Optional[float] = None,
               order_blind: Optional[float] = None) -> None:
    """Accuracy and cost at a glance, in three panels: top-1 per model (one
    bar group per model: overall and, where the data has families, each
    family); the paper's Figure 1 (top-1 against GMACs per video, marker
    area proportional to the parameters); top-1 against latency per view.
    Dotted: chance; dashed (toy set): the best a model blind to frame order
    can do.

    Args:
        results (Sequence[ModelResult]): The models.
        path (str | Path): The PNG to write.
        title (str): The figure's title.
        chance (float, optional): Chance top-1 (1 / classes).
        order_blind (float, optional): Best top-1 without frame order.
    """
    plt = _pyplot()
    colours = _colours([r.name for r in results])
    families = _family_names(results)
    fig, (bars, figure1, latency) = plt.subplots(
        1, 3, figsize=(18, 5.2), gridspec_kw=dict(width_ratios=[1.3, 1, 1]))
    groups = ['overall'] + families
    width = 0.8 / len(groups)
    positions = np.arange(len(results))
    for g, group in enumerate(groups):
        values = [100 * (r.top1 if group == 'overall' else r.families.get(
            group, float('nan'))) for r in results]
        offset = (g - (len(groups) - 1) / 2) * width
        bars.bar(positions + offset, values, width=width * 0.95,
                 color=[colours[r.name] for r in results], edgecolor='black',
                 linewidth=0.6, zorder=3, alpha=1.0 if g == 0 else 0.45,
                 hatch=None if g == 0 else ['//', '..', 'xx', '\\\\', '++',
                                            'oo'][(g - 1) % 6])
        for x, value in zip(positions + offset, values):
            if math.isfinite(value):
                bars.text(x, value + 1.2, f'{value:.0f}', ha='center',
                          va='bottom', fontsize=7 if families else 11,
                          fontweight='bold' if g == 0 else 'normal')
    bars.set_xticks(positions)
    bars.set_xticklabels([
        f'{r.name}\n{r.gmacs:.2f} GMACs/view\n{r.params / 1e6:.1f} M params'
        for r in results], fontsize=8)
    bars.set_ylabel('top-1 accuracy on the test list (%)')
    bars.set_title('top-1' + (': overall (solid), then per family (hatched: '
                              + ', '.join(families) + ')' if families else ''),
                   fontsize=9)

    largest = max([r.params for r in results] + [1])
    for index, r in enumerate(results):
        for ax, cost in ((figure1, r.gmacs_per_video), (latency,
                                                        r.ms_per_view)):
            if not math.isfinite(cost):
                continue
            size = 60 + 900 * r.params / largest if ax is figure1 else 160
            ax.scatter(cost, 100 * r.top1, s=size, color=colours[r.name],
                       edgecolor='black', linewidth=0.6, zorder=3, alpha=0.85)
            ax.annotate(r.name, (cost, 100 * r.top1),
                        xytext=(10, 8 if index % 2 == 0 else -14),
                        textcoords='offset points', fontsize=10,
                        fontweight='bold', color=colours[r.name])
    views = sorted({r.views for r in results})
    figure1.set_xlabel('GMACs per video (per view x '
                       f'{"/".join(map(str, views))} views): lower is '
                       'cheaper')
    figure1.set_title('accuracy vs MACs, marker area ~ parameters '
                      '(up and left is better)', fontsize=9)
    device = results[0].latency_device.upper() if results else 'CPU'
    latency.set_xlabel(f'{device} ms per view (batch 1, median, side by '
                       'side): lower is cheaper')
    latency.set_title('accuracy vs latency (up and left is better)',
                      fontsize=9)
    for ax, costs in ((figure1, [r.gmacs_per_video for r in results]),
                      (latency, [r.ms_per_view for r in results])):
        finite = [c for c in costs if math.isfinite(c)] or [1.0]
        ax.set_xlim(0, max(finite) * 1.35)
    for ax in (bars, figure1, latency):
        ax.set_ylim(0, 109)
        ax.grid(axis='y', alpha=0.3, zorder=0)
        if chance is not None:
            ax.axhline(100 * chance, color='grey', linestyle=':',
                       linewidth=1)
        if order_blind is not None:
            ax.axhline(100 * order_blind, color='black', linestyle='--',
                       linewidth=1, alpha=0.6)
    if chance is not None:
        latency.text(0.99, 100 * chance + 1, f'chance ({percent(chance)})',
                     transform=latency.get_yaxis_transform(), ha='right',
                     fontsize=8, color='grey')
    if order_blind is not None:
        latency.text(0.99, 100 * order_blind + 1,
                     'best possible without frame order '
                     f'({percent(order_blind)})',
                     transform=latency.get_yaxis_transform(), ha='right',
                     fontsize=8)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    fig.savefig(str(path), dpi=100)
    plt.close(fig)


def plot_confusion(confusion: np.ndarray, classes: Sequence[str],
                   path: Union[str, Path], title: str) -> None:
    """A confusion matrix (rows: true class, normalised; numbers: counts).

    Args:
        confusion (np.ndarray): (classes, classes) counts.
        classes (Sequence[str]): Class names.
        path (str | Path): The PNG to write.
        title (str): The figure's title.
    """
    plt = _pyplot()
    confusion = np.asarray(confusion)
    count = len(confusion)
    names = [classes[i] if i < len(classes) else str(i)
             for i in range(count)]
    rows = confusion.sum(1, keepdims=True)
    share = confusion / np.maximum(rows, 1)
    side = max(4.0, 0.45 * count + 2)
    fig, ax = plt.subplots(figsize=(side + 1, side))
    image = ax.imshow(share, cmap='Blues', vmin=0, vmax=1)
    if count <= 30:
        for i in range(count):
            for j in range(count):
                if confusion[i, j]:
                    ax.text(j, i, str(confusion[i, j]), ha='center',
                            va='center', fontsize=7,
                            color='white' if share[i, j] > 0.5 else 'black')
    ax.set_xticks(range(count))
    ax.set_yticks(range(count))
    ax.set_xticklabels(names, rotation=60, ha='right', fontsize=7)
    ax.set_yticklabels(names, fontsize=7)
    ax.set_xlabel('predicted')
    ax.set_ylabel('true')
    fig.colorbar(image, ax=ax, fraction=0.046, label='share of the true '
                 'class')
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(str(path), dpi=100)
    plt.close(fig)
