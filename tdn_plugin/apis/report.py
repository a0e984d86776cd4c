"""The report of a comparison: each model's numbers from its dumped test
predictions (MMAction2's metrics), then one report of all models: the
table on the terminal, ``results.json``, ``results.csv``, ``results.md``,
the chart and confusion matrices. A model that failed is named, with why,
in every one of them, and so are the videos each model could not read,
with their split.

Nothing here trains or times anything: :mod:`tdn_plugin.apis.compare`
fills :class:`ModelResult` and calls :func:`write_report`.
"""
import csv
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from tdn_plugin.utils.errors import UserError

RESULTS_FILE = 'results.json'
CSV_FILE = 'results.csv'
MARKDOWN_FILE = 'results.md'
CHART_FILE = 'accuracy_vs_cost.png'
CONFUSION_FILE = 'confusion_{}.png'


class ReportError(UserError, ValueError):
    """Results that cannot go into one table (mixed test protocols)."""


@dataclass
class Accuracy:
    """Accuracies of one model's test predictions, fractions in [0, 1]
    (``top5``: top-K with K classes < 5; ``mean_class``: MMAction2's;
    ``families``: family -> top-1 over its classes' videos), and the
    ``confusion`` counts, (classes, classes), row = true class."""

    top1: float
    top5: float
    mean_class: float
    families: Dict[str, float]
    confusion: np.ndarray


def accuracy(scores: np.ndarray, labels: np.ndarray,
             families: Optional[Dict[str, List[int]]] = None) -> Accuracy:
    """Accuracies from class scores with :mod:`mmaction.evaluation.
    functional` (``top_k_accuracy``, ``mean_class_accuracy``,
    ``confusion_matrix``).

    Args:
        scores (np.ndarray): (videos, classes) scores.
        labels (np.ndarray): (videos, ) true classes.
        families (dict, optional): Family name -> its class indices.
            Defaults to None.

    Returns:
        Accuracy: The numbers.
    """
    from mmaction.evaluation.functional import (
        confusion_matrix,
        mean_class_accuracy,
        top_k_accuracy,
    )
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    classes = np.arange(scores.shape[1])
    top1, top5 = top_k_accuracy(scores, labels, (1, min(5, len(classes))))
    # every class once more, so that the matrix has all of them
    confusion = confusion_matrix(
        np.concatenate([scores.argmax(1), classes]),
        np.concatenate([labels, classes])) - np.eye(len(classes), dtype=int)
    per_family = {}
    for name, members in (families or {}).items():
        mask = np.isin(labels, list(members))
        per_family[name] = float(top_k_accuracy(
            scores[mask], labels[mask])[0]) if mask.any() else math.nan
    return Accuracy(float(top1), float(top5),
                    float(mean_class_accuracy(scores, labels)), per_family,
                    confusion)


def read_predictions(path) -> Tuple[np.ndarray, np.ndarray]:
    """(scores (videos, classes), labels) of a DumpResults pickle."""
    from tdn_plugin.utils.safe_pickle import load_results
    samples = load_results(str(path))
    scores = np.stack([np.asarray(s['pred_score'], dtype=np.float64)
                       for s in samples])
    labels = np.array([int(np.asarray(s['gt_label']).reshape(-1)[0])
                       for s in samples])
    return scores, labels


def _number(value, digits: int):
    value = float(value)
    return round(value, digits) if math.isfinite(value) else None


@dataclass
class ModelResult:
    """One model's row of the comparison (``kind``: ``'2D'``/``'3D'``,
    from its input layout; ``init``: ``'scratch'`` or its pretrained
    sources; ``protocol``: the test views, e.g. ``'1x1'``)."""

    name: str
    config: str
    kind: str = '2D'
    init: str = 'scratch'
    protocol: str = '1x1'
    views: int = 1
    top1: float = math.nan
    top5: float = math.nan
    mean_class: float = math.nan
    params: int = 0
    gmacs: float = math.nan  # per view
    frames_per_view: int = 0
    latency: Optional[dict] = None  # min_ms, median_ms, max_ms, rounds
    latency_device: str = 'cpu'
    train_s: float = math.nan
    test_s: float = math.nan
    data_s: float = math.nan
    compute_s: float = math.nan
    families: Dict[str, float] = field(default_factory=dict)
    confusion: Optional[np.ndarray] = None
    recipe: dict = field(default_factory=dict)
    work_dir: str = ''
    checkpoint: str = ''
    probe: Optional[Any] = None  # tdn_plugin.apis.probe.ProbeResult
    # split -> {video: why} of the videos the run could not read
    unreadable: Dict[str, Dict[str, str]] = field(default_factory=dict)

    def unreadable_text(self) -> str:
        """``train: a.mp4 (why), ...; test: ...`` ('' where none)."""
        return '; '.join(
            f'{split}: ' + ', '.join(f'{video} ({why})'
                                     for video, why in files.items())
            for split, files in self.unreadable.items())

    @property
    def ms_per_view(self) -> float:
        return (self.latency or {}).get('median_ms', math.nan)

    @property
    def gmacs_per_video(self) -> float:
        return self.gmacs * self.views

    def row(self, families: Sequence[str] = ()) -> dict:
        """The model's ``results.csv`` row: its numbers unformatted
        (fractions, ms, s), top-1 of each of ``families``."""
        latency = self.latency or {}
        return dict(
            model=self.name, kind=self.kind, init=self.init,
            protocol=self.protocol, top1=self.top1, top5=self.top5,
            mean_class_accuracy=self.mean_class,
            **{f'top1_{f}': self.families.get(f, '') for f in families},
            params=int(self.params), gmacs_per_view=self.gmacs,
            views=self.views, gmacs_per_video=self.gmacs_per_video,
            frames_per_view=self.frames_per_view,
            latency_device=self.latency_device,
            **{f'ms_per_view_{k}': latency.get(f'{k}_ms', '')
               for k in ('min', 'median', 'max')},
            train_s=self.train_s, test_s=self.test_s, data_s=self.data_s,
            compute_s=self.compute_s, config=self.config,
            unreadable_videos=self.unreadable_text(),
            **self.probe_columns())

    def probe_columns(self) -> dict:
        """The temporal probe's ``results.csv`` columns (none without a
        probe): ``probe_<mode>`` top-1 and the gains (over all videos), or
        ``probe_failed``."""
        if self.probe is None:
            return {}
        return {f'probe_{key}': value
                for key, value in self.probe.json().items()
                if key != 'families'}

    def json(self) -> dict:
        """The model's entry of ``results.json``: its :meth:`row` rounded
        (seconds to 0.1), the latency with its unit and device, per-family
        top-1, the recipe and where the run is."""
        entry = {key: _number(value, 1 if key.endswith('_s') else 4)
                 if isinstance(value, float) else value
                 for key, value in self.row().items() if key != 'model'
                 and not key.startswith(('latency_', 'ms_per_view_',
                                         'probe_'))}
        entry.update(
            unreadable_videos={split: dict(files) for split, files in
                               self.unreadable.items()},
            gmacs=entry['gmacs_per_view'], recipe=self.recipe,
            cpu_ms_per_clip=_number(self.ms_per_view, 2)
            if self.latency_device == 'cpu' else None,
            latency=dict(self.latency or {}, device=self.latency_device,
                         unit='ms per view, batch 1'),
            work_dir=self.work_dir, checkpoint=self.checkpoint)
        if self.families:
            entry['families'] = {name: {'top1': _number(value, 4)}
                                 for name, value in self.families.items()}
        if self.probe is not None:
            entry['probe'] = self.probe.json()
        return entry


def percent(value: float) -> str:
    """``0.5`` -> ``'50.0%'`` (``'-'`` if not a number)."""
    return f'{100 * value:.1f}%' if math.isfinite(value) else '-'


def _seconds(value: float) -> str:
    return f'{value:.0f}' if math.isfinite(value) else '-'


def family_names(results: Sequence[ModelResult]) -> List[str]:
    """The data's class families, in the order the results name them."""
    return list(dict.fromkeys(f for r in results for f in r.families))


def table(results: Sequence[ModelResult]) -> Tuple[List[str], List[list]]:
    """Header and one row of text per model."""
    families = family_names(results)
    device = results[0].latency_device.upper() if results else 'CPU'
    header = (['model', '2D/3D', 'init', 'top-1', 'top-5', 'mean class'] +
              families + ['params', 'GMACs/view x views', 'frames/view',
                          f'{device} ms/view', 'data s / compute s'])
    rows = [[r.name, r.kind, r.init, percent(r.top1), percent(r.top5),
             percent(r.mean_class)] +
            [percent(r.families.get(f, math.nan)) for f in families] +
            [f'{r.params / 1e6:.2f} M', f'{r.gmacs:.3f} x {r.views}',
             str(r.frames_per_view), f'{r.ms_per_view:.1f}',
             f'{_seconds(r.data_s)} / {_seconds(r.compute_s)}']
            for r in results]
    return header, rows


def check_protocol(results: Sequence[ModelResult]) -> str:
    """The one test protocol of ``results``.

    Raises:
        ReportError: Models tested with different protocols.
    """
    protocols = {r.protocol for r in results}
    if len(protocols) > 1:
        raise ReportError('the models were tested with different protocols ('
                          + ', '.join(f'{r.name} {r.protocol}'
                                      for r in results)
                          + '): give one with --views')
    return protocols.pop() if protocols else '-'


def markdown(results: Sequence[ModelResult], failed: Dict[str, str],
             note: str = '',
             classes: Optional[Sequence[str]] = None) -> str:
    """``results.md``: the table, the config of each model, the failures
    and ``note``, then the temporal probe's section (with ``classes``)
    where the models were probed."""
    from tdn_plugin.visualization.tables import markdown_table

    from .probe import probe_markdown
    header, rows = table(results)
    lines = [markdown_table(header, rows), '']
    lines += [f'- {r.name}: `{r.config}`' for r in results]
    lines += [f'- {r.name}: unreadable videos (skipped in training, scored '
              f'as blank clips in test): {r.unreadable_text()}'
              for r in results if r.unreadable]
    lines += [f'- {name}: **failed**: {why}' for name, why in failed.items()]
    return '\n'.join(lines + ([''] + [note] if note else [])) + '\n' + \
        probe_markdown(results, classes)


def write_csv(results: Sequence[ModelResult], failed: Dict[str, str],
              path) -> None:
    """One :meth:`ModelResult.row` per model; a failed model's row says
    why in ``failed``."""
    families = family_names(results)
    rows = [r.row(families) for r in results]
    columns = dict.fromkeys(ModelResult('', '').row(families))
    for row in rows:  # and the probe's, where there is one
        columns.update(dict.fromkeys(row))
    with open(path, 'w', newline='') as f:
        writer = csv.DictWriter(f, [*columns, 'failed'], restval='')
        writer.writeheader()
        writer.writerows(rows + [dict(model=name, failed=why)
                                 for name, why in failed.items()])


def write_report(results: List[ModelResult], failed: Dict[str, str],
                 work_dir: Path, settings: dict, title: str,
                 classes: Optional[Sequence[str]] = None,
                 lines: Sequence[Tuple[float, str]] = (),
                 note: str = '') -> Dict[str, Path]:
    """Write every file of the report into ``work_dir``.

    Args:
        results (list[ModelResult]): The models that ran.
        failed (dict): Name -> why, of those that did not.
        work_dir (Path): Where the files go.
        settings (dict): The ``settings`` of ``results.json``.
        title (str): The chart's title.
        classes (Sequence[str], optional): Class names of the confusion
            matrices (default: numbers).
        lines (Sequence[tuple]): (top-1, label) reference lines of the
            chart.
        note (str): What the numbers are, under the markdown table.

    Returns:
        dict: Name -> path of each file written.
    """
    from tdn_plugin.visualization import charts

    from . import probe
    check_protocol(results)
    work_dir.mkdir(parents=True, exist_ok=True)
    files = {key: work_dir / name for key, name in (
        ('results', RESULTS_FILE), ('csv', CSV_FILE),
        ('table', MARKDOWN_FILE), ('chart', CHART_FILE))}
    temporal = probe.temporal_classes(results, classes)
    files['results'].write_text(json.dumps(dict(
        models={r.name: r.json() for r in results}, failed=failed,
        settings=settings, **({'temporal_classes': temporal}
                              if temporal else {})), indent=2) + '\n')
    write_csv(results, failed, files['csv'])
    files['table'].write_text(markdown(results, failed, note, classes))
    device = results[0].latency_device.upper() if results else 'CPU'
    charts.plot_accuracy_vs_cost(
        results, failed, files['chart'], title,
        'GMACs per video (per view x views): lower is cheaper',
        f'{device} ms per view (batch 1, median, side by side)', lines)
    for r in results:
        names = classes or [str(i) for i in range(len(r.confusion))]
        files[f'confusion_{r.name}'] = path = work_dir / \
            CONFUSION_FILE.format(r.name)
        charts.plot_confusion(r.confusion, names, path,
                              f'{r.name}: top-1 {percent(r.top1)} on '
                              f'{int(r.confusion.sum())} test videos')
    if probe.write_probe_chart(results, work_dir / probe.PROBE_CHART_FILE,
                               f'{title}: temporal probe', lines):
        files['probe'] = work_dir / probe.PROBE_CHART_FILE
    return files


def print_report(results: Sequence[ModelResult], failed: Dict[str, str],
                 files: Dict[str, Path], note: str = '',
                 classes: Optional[Sequence[str]] = None) -> None:
    """The table, what it measured, the temporal probe (its classes named
    with ``classes``), the failures and where files went."""
    from tdn_plugin.visualization.tables import print_table

    from .probe import print_probe
    if results:
        header, rows = table(results)
        print()
        print_table(header, rows, title=f'test protocol '
                    f'{check_protocol(results)} for every model')
    if note:
        print(note)
    print_probe(results, classes)
    for r in results:
        if r.unreadable:
            print(f'{r.name}: unreadable videos: {r.unreadable_text()}')
    for name, why in failed.items():
        print(f'{name}: FAILED: {why}')
    for key, path in files.items():
        if not key.startswith('confusion_'):
            print(f'{key + ":":9s} {path}')
    if any(k.startswith('confusion_') for k in files):
        print(f'confusion matrices: {files["results"].parent}/'
              'confusion_*.png', flush=True)
