"""The temporal probe of ``tdn compare --probe`` and ``tdn test --probe``:
does the data need time, and which model uses it?

A trained model is tested again on the same test videos with their time
perturbed (:class:`~tdn_plugin.datasets.transforms.PerturbFrameIndices`
inserted after the sampler of its test pipeline, so it sees what it would
see on the perturbed file, with the same protocol): ``reversed``,
``shuffled`` (8 chunks out of order) and ``frozen`` (the middle frame
only). Each pass is the model's ordinary test (mmengine's Runner, the
checkpoint loaded strictly, the predictions dumped and scored with
MMAction2's metrics by :func:`~tdn_plugin.apis.report.accuracy`).

Two figures sum it up: the order gain (``ordered - shuffled``: what the
order of events across the clip is worth) and the motion gain (``ordered -
frozen``: what anything beyond one frame's appearance is worth). The
"temporal classes" are those whose accuracy falls most under ``frozen``
and ``shuffled`` for the best model (after Sevilla-Lara et al., "Only Time
Can Tell", WACV 2021, https://arxiv.org/abs/1907.13487).
"""
import copy
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from tdn_plugin.utils.errors import UserError, describe

from . import report as reports

PERTURBED = ('reversed', 'shuffled', 'frozen')
MODES = ('ordered', ) + PERTURBED
PROBE_DIR = 'probe'  # in the model's work directory
PROBE_CHART_FILE = 'time_probe.png'
PROBE_JSON_FILE = 'probe.json'
# chunks of `shuffled` and the seed of their order
CHUNKS, SEED = 8, 0
# temporal classes listed per perturbation
TEMPORAL_CLASSES = 5
# the steps a sampler's frame indices go through before decoding
SAMPLERS = ('SampleFrames', 'TDNSampleFrames', 'UniformSample',
            'DenseSampleFrames', 'UntrimmedSampleFrames', 'SampleAVAFrames')


class ProbeError(UserError, ValueError):
    """A test pipeline the probe cannot perturb."""


def perturb_test_pipeline(cfg, mode: str, chunks: int = CHUNKS,
                          seed: int = SEED) -> None:
    """Insert ``PerturbFrameIndices(mode)`` into ``cfg``'s test pipeline,
    in place: before its first decoding step (``DecordDecode``,
    ``RawFrameDecode``, ...), i.e. after every step that picks the frame
    indices.

    Raises:
        ProbeError: A pipeline without a known frame sampler.
    """
    from tdn_plugin.utils.views import config_test_pipeline
    pipeline = config_test_pipeline(cfg)
    kinds = [t.get('type', '') for t in pipeline]
    if not any(kind in SAMPLERS for kind in kinds):
        raise ProbeError('the test pipeline has no frame sampler ('
                         + ', '.join(SAMPLERS) + ') to perturb the time of')
    place = next((i for i, kind in enumerate(kinds)
                  if kind.endswith('Decode')), None)
    if place is None:
        place = max(i for i, kind in enumerate(kinds) if kind in SAMPLERS) + 1
    pipeline.insert(place, dict(type='PerturbFrameIndices', mode=mode,
                                chunks=chunks, seed=seed))


def check_probe(cfg) -> None:
    """Refuse, before any work, a config whose test pipeline the probe
    cannot perturb (:class:`ProbeError`)."""
    perturb_test_pipeline(copy.deepcopy(cfg), 'frozen')


def probe_config(cfg, mode: str, work_dir: Union[str, Path]):
    """A copy of ``cfg`` that tests under ``mode``: the perturbed test
    pipeline, the predictions dumped to ``work_dir/MODE.pkl``, its logs in
    ``work_dir``, nothing loaded but the tested checkpoint."""
    from tdn_plugin.utils.config_edit import dump_predictions
    cfg = copy.deepcopy(cfg)
    perturb_test_pipeline(cfg, mode)
    dump_predictions(cfg, str(Path(work_dir) / f'{mode}.pkl'))
    cfg.update(work_dir=str(work_dir), load_from=None, resume=False,
               val_dataloader=None, val_cfg=None, val_evaluator=None)
    return cfg


@dataclass
class ProbeResult:
    """A model's temporal probe: the accuracies of its test predictions
    under each mode of :data:`MODES` (``ordered``: the main test), or why
    it failed, and the seconds its perturbed tests took."""

    accuracies: Dict[str, reports.Accuracy] = field(default_factory=dict)
    failed: str = ''
    test_s: float = math.nan

    def top1(self, mode: str) -> float:
        """Top-1 under ``mode`` (NaN where not tested)."""
        found = self.accuracies.get(mode)
        return found.top1 if found else math.nan

    def summary(self, family: Optional[str] = None) -> Dict[str, float]:
        """Top-1 under each mode and the gains, fractions: ``order_gain =
        ordered - shuffled``, ``motion_gain = ordered - frozen``; over the
        videos of one ``family`` of classes, or all."""
        top1 = {mode: self.top1(mode) if family is None else
                self.accuracies[mode].families.get(family, math.nan)
                for mode in MODES}
        return dict(top1, order_gain=top1['ordered'] - top1['shuffled'],
                    motion_gain=top1['ordered'] - top1['frozen'])

    def family_names(self) -> List[str]:
        """The data's class families the accuracies have."""
        found = self.accuracies.get('ordered')
        return list(found.families) if found else []

    def json(self) -> dict:
        """``models.<name>.probe`` of ``results.json``: :meth:`summary`
        rounded (and ``families``: family -> its :meth:`summary`), or
        ``{"failed": why}``."""
        if self.failed:
            return dict(failed=self.failed)
        entry = {key: reports._number(value, 4)
                 for key, value in self.summary().items()}
        if self.family_names():
            entry['families'] = {family: {
                key: reports._number(value, 4)
                for key, value in self.summary(family).items()}
                for family in self.family_names()}
        return entry

    def per_class(self, mode: str) -> np.ndarray:
        """Top-1 of each class under ``mode`` (NaN for a class without
        test videos), from the confusion counts."""
        confusion = self.accuracies[mode].confusion
        totals = confusion.sum(1)
        return np.where(totals > 0, np.diag(confusion) /
                        np.maximum(totals, 1), math.nan)


def probe_model(cfg, checkpoint: Union[str, Path],
                ordered_predictions: Union[str, Path],
                verbose: bool = False, name: str = '',
                log: Callable[[str], None] = print,
                families: Optional[Dict[str, List[int]]] = None
                ) -> ProbeResult:
    """Test a trained model under each perturbation of :data:`PERTURBED`.

    Args:
        cfg (Config): The config it was tested with (its protocol, its
            bad-video policy), ``work_dir`` set.
        checkpoint (str | Path): Its weights (loaded strictly).
        ordered_predictions (str | Path): The main test's dumped
            predictions (DumpResults), the ``ordered`` numbers.
        verbose (bool): Each Runner's environment and config dump.
        name (str): The model's name in the logs.
        log (Callable): Prints a line.
        families (dict, optional): Family name -> its class indices: top-1
            per family too.

    Returns:
        ProbeResult: The accuracies; the perturbed predictions are in
        ``WORK_DIR/probe/MODE.pkl``.
    """
    from tdn_plugin.engine.runner import run_config
    probe_dir = Path(cfg.work_dir) / PROBE_DIR
    result = ProbeResult({'ordered': reports.accuracy(
        *reports.read_predictions(ordered_predictions), families)})
    start = time.perf_counter()
    for mode in PERTURBED:
        run_config(probe_config(cfg, mode, probe_dir), verbose,
                   f'{name}-{mode}' if name else mode, str(checkpoint))
        result.accuracies[mode] = reports.accuracy(
            *reports.read_predictions(probe_dir / f'{mode}.pkl'), families)
    result.test_s = time.perf_counter() - start
    summary = result.summary()
    log(f'{name + ": " if name else ""}probe: top-1 ' + ', '.join(
        f'{mode} {reports.percent(summary[mode])}' for mode in MODES)
        + f' (tested in {result.test_s:.0f} s)')
    return result


def probe_models(trained: Dict[str, tuple], runs: Dict[str, dict],
                 predictions_file: str, verbose: bool = False,
                 log: Callable[[str], None] = print,
                 families: Optional[Dict[str, List[int]]] = None
                 ) -> Dict[str, ProbeResult]:
    """The probe of every trained model of a comparison; one that fails
    is named, with why, and the others go on.

    Args:
        trained (dict): Name -> (model, cfg) (``cfg.work_dir`` holds the
            checkpoint and the main test's predictions).
        runs (dict): Name -> the run's record (its ``checkpoint``, if it
            was loaded from one).
        predictions_file (str): The main test's predictions, in the work
            directory.
        verbose (bool): Each Runner's environment and config dump.
        log (Callable): Prints a line.
        families (dict, optional): Family name -> its class indices.

    Returns:
        dict: Name -> :class:`ProbeResult`.
    """
    from mmengine.runner import find_latest_checkpoint
    log(f'\ntemporal probe: every model tested again with its test videos '
        f'{", ".join(PERTURBED)} ...')
    probes = {}
    for name, (_, cfg) in trained.items():
        try:
            checkpoint = runs.get(name, {}).get('checkpoint') or \
                find_latest_checkpoint(cfg.work_dir)
            if not checkpoint:
                raise ProbeError(f'no checkpoint in {cfg.work_dir}')
            probes[name] = probe_model(
                cfg, checkpoint, Path(cfg.work_dir) / predictions_file,
                verbose, name, log, families)
        except Exception as error:  # noqa: BLE001  one line, go on
            probes[name] = ProbeResult(failed=describe(error, 300,
                                                       file_name=True))
            log(f'{name}: probe FAILED: {probes[name].failed}')
    return probes


# The report ------------------------------------------------------------------
def probed(results: Sequence) -> list:
    """The results (``ModelResult``) that have a probe, failed or not."""
    return [r for r in results if getattr(r, 'probe', None) is not None]


def probe_table(results: Sequence, by_family: bool = False
                ) -> Tuple[List[str], List[list]]:
    """Header and one row of text per probed model (``by_family``: per
    model and family of classes, the families' rows only)."""
    header = ['model', *MODES, 'order gain', 'motion gain']
    if by_family:
        header.insert(1, 'family')
    rows = []
    for r in probed(results):
        if r.probe.failed:
            if not by_family:
                rows.append([r.name, 'failed'] + ['-'] * (len(header) - 2))
            continue
        for family in r.probe.family_names() if by_family else [None]:
            summary = r.probe.summary(family)
            rows.append([r.name] + ([family] if by_family else []) +
                        [reports.percent(summary[m]) for m in MODES] +
                        [points(summary['order_gain']),
                         points(summary['motion_gain'])])
    return header, rows


def points(value: float) -> str:
    """``0.125`` -> ``'+12.5'`` (points of top-1; ``'-'`` if none)."""
    return f'{100 * value:+.1f}' if math.isfinite(value) else '-'


def temporal_classes(results: Sequence,
                     classes: Optional[Sequence[str]] = None,
                     count: int = TEMPORAL_CLASSES) -> Optional[dict]:
    """The classes whose top-1 falls most under ``frozen`` and under
    ``shuffled`` for the best probed model (highest ``ordered`` top-1):
    ``{"model": name, "frozen": [{"class", "ordered", "frozen", "drop"},
    ...], "shuffled": [...]}``, at most ``count`` each, those that fall
    only, largest fall first; None without a probed model."""
    done = [r for r in probed(results) if not r.probe.failed]
    if not done:
        return None
    best = max(done, key=lambda r: np.nan_to_num(r.probe.top1('ordered'),
                                                 nan=-1.0))
    ordered = best.probe.per_class('ordered')
    names = list(classes or [str(i) for i in range(len(ordered))])
    found = dict(model=best.name)
    for mode in ('frozen', 'shuffled'):
        drops = ordered - best.probe.per_class(mode)
        falling = [i for i in np.argsort(-np.nan_to_num(drops, nan=-1),
                                         kind='stable') if drops[i] > 0]
        found[mode] = [{'class': names[i] if i < len(names) else str(i),
                        'ordered': round(float(ordered[i]), 4),
                        mode: round(float(ordered[i] - drops[i]), 4),
                        'drop': round(float(drops[i]), 4)}
                       for i in falling[:count]]
    return found


def temporal_class_lines(found: Optional[dict]) -> List[str]:
    """One line per perturbation: the classes that fall most, e.g. ``under
    frozen: push (100% -> 20%), ...``."""
    if not found:
        return []
    lines = []
    for mode in ('frozen', 'shuffled'):
        listed = ', '.join(
            f'{c["class"]} ({reports.percent(c["ordered"])} -> '
            f'{reports.percent(c[mode])})' for c in found[mode])
        lines.append(f'under {mode}: {listed or "no class falls"}')
    return lines


PROBE_NOTE = (
    'temporal probe: top-1 with the test videos played reversed, shuffled '
    f'({CHUNKS} chunks out of order) and frozen (the middle frame only), '
    'same protocol; order gain = ordered - shuffled, motion gain = ordered '
    '- frozen (points of top-1; near zero: the model, or the data, does not '
    'use that kind of time).')


def probe_markdown(results: Sequence,
                   classes: Optional[Sequence[str]] = None) -> str:
    """The probe's section of ``results.md`` ('' without a probe)."""
    from tdn_plugin.visualization.tables import markdown_table
    if not probed(results):
        return ''
    found = temporal_classes(results, classes)
    lines = ['', '## Temporal probe', '', markdown_table(*probe_table(
        results)), '', PROBE_NOTE]
    by_family = probe_table(results, by_family=True)
    if by_family[1]:
        lines += ['', 'Per family of classes:', '',
                  markdown_table(*by_family)]
    lines += [f'- {r.name}: probe **failed**: {r.probe.failed}'
              for r in probed(results) if r.probe.failed]
    if found:
        lines += ['', f'Temporal classes (the classes whose top-1 falls '
                  f'most, for the best model, {found["model"]}):', '']
        lines += [f'- {line}' for line in temporal_class_lines(found)]
    return '\n'.join(lines) + '\n'


def print_probe(results: Sequence,
                classes: Optional[Sequence[str]] = None) -> None:
    """The probe table, what it is and the temporal classes."""
    from tdn_plugin.visualization.tables import print_table
    if not probed(results):
        return
    print()
    print_table(*probe_table(results), title='temporal probe: top-1 under '
                'each perturbation of the test videos')
    print(PROBE_NOTE)
    found = temporal_classes(results, classes)
    if found:
        print(f'temporal classes of {found["model"]} (top-1 falls most):')
        for line in temporal_class_lines(found):
            print(f'  {line}')


def write_probe_chart(results: Sequence, path: Union[str, Path],
                      title: str,
                      lines: Sequence[Tuple[float, str]] = ()) -> bool:
    """The probe's chart (:func:`~tdn_plugin.visualization.charts.
    plot_time_probe`) of the probed models; False (nothing written)
    without one."""
    from tdn_plugin.visualization.charts import plot_time_probe
    done = [r for r in probed(results) if not r.probe.failed]
    if not done:
        return False
    plot_time_probe([r.name for r in done],
                    {mode: [r.probe.top1(mode) for r in done]
                     for mode in MODES}, path, title, lines)
    return True


def probe_checkpoint(cfg, checkpoint: Union[str, Path],
                     ordered_predictions: Union[str, Path],
                     verbose: bool = False,
                     classes: Optional[Sequence[str]] = None,
                     log: Callable[[str], None] = print) -> ProbeResult:
    """``tdn test --probe``: the probe of one checkpoint
    (:func:`probe_model`) after its test, printed and written to
    ``WORK_DIR/probe/probe.json`` (``probe`` as in ``results.json``, and
    its ``temporal_classes``, named with ``classes`` else numbered)."""
    result = probe_model(cfg, checkpoint, ordered_predictions, verbose,
                         log=log)
    model = reports.ModelResult(Path(checkpoint).name, str(checkpoint),
                                probe=result)
    print_probe([model], classes)
    path = Path(cfg.work_dir) / PROBE_DIR / PROBE_JSON_FILE
    path.write_text(json.dumps(dict(
        checkpoint=str(checkpoint), probe=result.json(),
        temporal_classes=temporal_classes([model], classes)), indent=2)
        + '\n')
    log(f'probe: {path}')
    return result
