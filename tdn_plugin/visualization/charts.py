"""Charts of a comparison of recognizers: accuracy against cost, the
temporal probe, and confusion matrices. Generic: models are told apart by
the order they come in (colours of matplotlib's cycle) and by their group
(marker shape), and are named in the legend, so no label sits on a marker
or on another label. Markers that would cover each other are moved apart,
each with a line to its true position; titles are wrapped to fit their
figure.
"""
import math
import re
from pathlib import Path
from typing import Dict, Sequence, Tuple, Union

import numpy as np

MARKERS = 'osD^vP*X'
# distinct colours first: matplotlib's tab10, then Dark2's
PALETTES = (('tab10', 10), ('Dark2', 8))
HATCHES = ['//', '..', 'xx', '\\\\', '++', 'oo']
# characters of legend text that fit across the figure (18 in, 9 pt)
LEGEND_CHARS = 200


def _pyplot():
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    return plt


def _bars(ax, results: Sequence, colours: list) -> None:
    """Top-1 per model: solid overall, then hatched per family."""
    families = list(dict.fromkeys(f for r in results for f in r.families))
    groups = ['overall'] + families
    width = 0.8 / len(groups)
    positions = np.arange(len(results))
    for g, group in enumerate(groups):
        values = np.array([100 * (r.top1 if g == 0 else r.families.get(
            group, math.nan)) for r in results])
        offset = (g - (len(groups) - 1) / 2) * width
        ax.bar(positions + offset, values, width=width * 0.95,
               color=colours, edgecolor='black', linewidth=0.6, zorder=3,
               alpha=1.0 if g == 0 else 0.45,
               hatch=None if g == 0 else HATCHES[(g - 1) % len(HATCHES)])
    ax.set_xticks(positions)  # the legend's number, the overall top-1
    ax.set_xticklabels([f'{i}\n{100 * r.top1:.0f}%'
                        for i, r in enumerate(results, 1)], fontsize=8)
    ax.set_ylabel('top-1 on the test list (%)')
    ax.set_title('top-1' + (': overall (solid), per family (hatched: '
                            f'{", ".join(families)})' if families else ''),
                 fontsize=9)


def _scatter(ax, results: Sequence, colours: list, markers: dict,
             cost: str, sized: bool) -> list:
    """Top-1 against one cost attribute of the results; returns each
    marker drawn as (collection, x, y, area in points^2)."""
    largest = max([r.params for r in results] + [1])
    costs = [getattr(r, cost) for r in results]
    drawn = []
    for r, colour, x in zip(results, colours, costs):
        if math.isfinite(x):
            area = 60 + 900 * r.params / largest if sized else 120
            drawn.append((ax.scatter(
                x, 100 * r.top1, color=colour, zorder=3, alpha=0.85,
                marker=markers[r.kind], edgecolor='black', linewidth=0.6,
                s=area, clip_on=False), x, 100 * r.top1, area))
    finite = [c for c in costs if math.isfinite(c)] or [1.0]
    ax.set_xlim(0, max(finite) * 1.15)
    return drawn


def spread(points: np.ndarray, radii: np.ndarray, box: Tuple[float, float,
           float, float], gap: float = 2.0) -> np.ndarray:
    """Positions for circles at ``points`` that do not overlap: each in
    turn (in the given order) stays where it is if it is clear of those
    placed before it, else moves to the nearest clear place along a ring
    of candidate positions around it, inside ``box``.

    Args:
        points (np.ndarray): (N, 2) centres (display units, e.g. pixels).
        radii (np.ndarray): (N,) radii in the same units.
        box (tuple): (x0, y0, x1, y1) that the circles must stay inside.
        gap (float): Free space between two circles. Defaults to 2.

    Returns:
        np.ndarray: (N, 2) centres, each at most a few diameters from its
        own.
    """
    placed = np.array(points, dtype=float)
    x0, y0, x1, y1 = box
    for i, (centre, radius) in enumerate(zip(points, radii)):
        def clear(at):
            return all(np.hypot(*(at - placed[j])) >= radius + radii[j]
                       + gap for j in range(i))
        if clear(placed[i]):
            continue
        step = 2 * radius + gap
        candidates = [centre + step * ring * np.array(
            [math.cos(angle), math.sin(angle)])
            for ring in range(1, 8)
            for angle in np.linspace(0, 2 * math.pi, 6 * ring,
                                     endpoint=False)]
        inside = [c for c in candidates
                  if x0 + radius <= c[0] <= x1 - radius
                  and y0 + radius <= c[1] <= y1 - radius]
        placed[i] = next((c for c in inside if clear(c)),
                         inside[0] if inside else centre)
    return placed


def _separate(ax, drawn: list) -> None:
    """Move the markers of ``drawn`` (:func:`_scatter`) that would cover
    each other apart, in display space; a thin line and a dot point from
    each moved marker to its true position."""
    if len(drawn) < 2:
        return
    scale = ax.figure.dpi / 72  # points -> pixels
    true = ax.transData.transform([(x, y) for _, x, y, _ in drawn])
    radii = np.array([math.sqrt(area) / 2 * scale + 1
                      for *_, area in drawn])
    box = ax.get_window_extent()
    placed = spread(true, radii, (box.x0, box.y0, box.x1, box.y1))
    inverse = ax.transData.inverted()
    for (collection, *_), here, there in zip(drawn, true, placed):
        if np.allclose(here, there):
            continue
        x, y = inverse.transform(there)
        collection.set_offsets([[x, y]])
        (tx, ty) = inverse.transform(here)
        ax.plot([tx, x], [ty, y], color='black', linewidth=0.7, zorder=2)
        ax.plot([tx], [ty], marker='.', color='black', markersize=4,
                zorder=4)


def _wrap(text: str, width: int) -> str:
    """``text`` in lines of at most ``width`` characters, broken after a
    space, ``_`` or ``-`` where one is near (config names have no
    spaces), else anywhere."""
    lines, line = [], ''
    for token in re.findall(r'[^ _-]*[ _-]?', text):
        while len(token) > width:  # one part longer than a line
            lines.append(line + token[:width - len(line)])
            token, line = token[width - len(line):], ''
        if len(line) + len(token.rstrip()) > width and line:
            lines.append(line)
            line = ''
        line += token
    lines.append(line)
    return '\n'.join(part.rstrip() for part in lines if part.strip())


def fit_titles(fig, texts: Sequence, layout=None) -> None:
    """Wrap each of ``texts`` (matplotlib Text, e.g. ``ax.title``) until,
    after ``layout(fig)`` (e.g. ``tight_layout``), every one lies inside
    the figure."""
    layout = layout or (lambda figure: figure.tight_layout())
    full = [text.get_text() for text in texts]
    widths = [len(text) for text in full]
    for _ in range(20):
        layout(fig)
        renderer = fig.canvas.get_renderer()
        figure = fig.bbox
        outside = [i for i, text in enumerate(texts) if text.get_text() and (
            text.get_window_extent(renderer).x0 < figure.x0
            or text.get_window_extent(renderer).x1 > figure.x1)]
        if not outside:
            return
        for i in outside:
            widths[i] = max(8, int(widths[i] * 0.85))
            texts[i].set_text(_wrap(full[i], widths[i]))


def reference_lines(axes, lines) -> list:
    """Draw each (fraction, label) of ``lines`` as a grey horizontal line
    across every top-1 panel of ``axes`` (0-109%, y grid) and return their
    legend handles."""
    from matplotlib.lines import Line2D
    styles = [':', '--', '-.']
    handles = []
    for index, (value, label) in enumerate(lines):
        style = styles[index % len(styles)]
        for ax in axes:
            ax.axhline(100 * value, color='grey', linestyle=style,
                       linewidth=1)
        handles.append(Line2D([], [], color='grey', linestyle=style,
                              label=f'{label} ({100 * value:.0f}%)'))
    for ax in axes:
        ax.set_ylim(0, 109)
        ax.grid(axis='y', alpha=0.3, zorder=0)
    return handles


def _legend(results: Sequence, colours: list, markers: dict,
            failed: Dict[str, str], lines: Sequence[Tuple[float, str]],
            axes) -> list:
    """The reference lines drawn; the legend's entries: each model
    (colour; marker: its kind), each failed model, each line."""
    from matplotlib.lines import Line2D
    handles = [Line2D([], [], linestyle='', marker=markers[r.kind],
                      markersize=9, color=c, markeredgecolor='black',
                      label=f'{i} {r.name} ({r.kind})')
               for i, (r, c) in enumerate(zip(results, colours), 1)]
    handles += [Line2D([], [], linestyle='', marker='x', markersize=9,
                       color='grey', label=f'{name}: failed')
                for name in failed]
    handles += reference_lines(axes, lines)
    return handles


def plot_accuracy_vs_cost(results: Sequence, failed: Dict[str, str],
                          path: Union[str, Path], title: str,
                          cost_label: str, latency_label: str,
                          lines: Sequence[Tuple[float, str]] = ()) -> None:
    """Write :func:`accuracy_vs_cost_figure` to ``path`` (a PNG)."""
    fig = accuracy_vs_cost_figure(results, failed, title, cost_label,
                                  latency_label, lines)
    fig.savefig(str(path), dpi=100)
    _pyplot().close(fig)


def accuracy_vs_cost_figure(results: Sequence, failed: Dict[str, str],
                            title: str, cost_label: str, latency_label: str,
                            lines: Sequence[Tuple[float, str]] = ()):
    """Three panels: top-1 per model (and per family); top-1 against
    GMACs per video, marker area ~ parameters (the TDN paper's Figure 1);
    top-1 against latency per view. The legend names each model (colour;
    marker: its group), each failed model and each reference line.
    Markers that would cover each other are moved apart, with a line to
    their true position.

    Args:
        results (Sequence): Objects with ``name``, ``kind`` (the group,
            e.g. ``'2D'``), ``top1`` (fraction), ``families`` (name ->
            top-1), ``params``, ``gmacs_per_video``, ``ms_per_view``.
        failed (dict): Name -> why, of the models without results.
        title (str): The figure's title.
        cost_label (str): The x label of the MACs panel.
        latency_label (str): The x label of the latency panel.
        lines (Sequence[tuple]): (top-1 fraction, label) reference lines,
            e.g. chance. Defaults to none.

    Returns:
        matplotlib.figure.Figure: The figure, laid out.
    """
    plt = _pyplot()
    palette = [plt.get_cmap(name)(i) for name, count in PALETTES
               for i in range(count)]
    colours = [palette[i % len(palette)] for i in range(len(results))]
    groups = list(dict.fromkeys(r.kind for r in results))
    markers = {g: MARKERS[i % len(MARKERS)] for i, g in enumerate(groups)}
    count = len(results) + len(failed) + len(lines)
    # as many legend columns as the longest entry lets fit in the width
    longest = max([len(r.name) + 10 for r in results]
                  + [len(name) + 8 for name in failed] + [30])
    columns = max(1, min(count, LEGEND_CHARS // longest))
    rows = math.ceil(count / columns)
    fig, axes = plt.subplots(1, 3, figsize=(18, 4.8 + 0.25 * rows),
                             gridspec_kw=dict(width_ratios=[1.3, 1, 1]))
    _bars(axes[0], results, colours)
    drawn = [_scatter(axes[1], results, colours, markers, 'gmacs_per_video',
                      True),
             _scatter(axes[2], results, colours, markers, 'ms_per_view',
                      False)]
    axes[1].set_xlabel(cost_label)
    axes[1].set_title('accuracy vs MACs, marker area ~ parameters (up and '
                      'left is better)', fontsize=9)
    axes[2].set_xlabel(latency_label)
    axes[2].set_title('accuracy vs latency (up and left is better)',
                      fontsize=9)
    handles = _legend(results, colours, markers, failed, lines, axes)
    fig.legend(handles=handles, loc='lower center', ncol=columns,
               fontsize=9, frameon=False)
    suptitle = fig.suptitle(title, fontsize=11)
    inches = fig.get_figheight()
    fit_titles(fig, [suptitle] + [ax.title for ax in axes],
               lambda figure: figure.tight_layout(
                   rect=(0, (0.25 * rows + 0.15) / inches, 1, 1)))
    for ax, markers_drawn in zip(axes[1:], drawn):
        _separate(ax, markers_drawn)
    return fig


def plot_confusion(confusion: np.ndarray, classes: Sequence[str],
                   path: Union[str, Path], title: str) -> None:
    """Write :func:`confusion_figure` to ``path`` (a PNG)."""
    fig = confusion_figure(confusion, classes, title)
    fig.savefig(str(path), dpi=100)
    _pyplot().close(fig)


def confusion_figure(confusion: np.ndarray, classes: Sequence[str],
                     title: str):
    """A confusion matrix (rows: true class, normalised; numbers: counts),
    its title wrapped to fit the figure.

    Args:
        confusion (np.ndarray): (classes, classes) counts.
        classes (Sequence[str]): Class names.
        title (str): The figure's title.

    Returns:
        matplotlib.figure.Figure: The figure, laid out.
    """
    plt = _pyplot()
    confusion = np.asarray(confusion)
    count = len(confusion)
    names = [classes[i] if i < len(classes) else str(i)
             for i in range(count)]
    share = confusion / np.maximum(confusion.sum(1, keepdims=True), 1)
    side = max(4.0, 0.45 * count + 2)
    fig, ax = plt.subplots(figsize=(side + 1, side))
    image = ax.imshow(share, cmap='Blues', vmin=0, vmax=1)
    if count <= 30:
        for (i, j), value in np.ndenumerate(confusion):
            if value:
                ax.text(j, i, str(value), ha='center', va='center',
                        fontsize=7,
                        color='white' if share[i, j] > 0.5 else 'black')
    ax.set_xticks(range(count))
    ax.set_yticks(range(count))
    ax.set_xticklabels(names, rotation=60, ha='right', fontsize=7)
    ax.set_yticklabels(names, fontsize=7)
    ax.set_xlabel('predicted')
    ax.set_ylabel('true')
    fig.colorbar(image, ax=ax, fraction=0.046,
                 label='share of the true class')
    ax.set_title(title, fontsize=10)
    fit_titles(fig, [ax.title])
    return fig



def plot_time_probe(names: Sequence[str], top1: Dict[str, Sequence[float]],
                    path: Union[str, Path], title: str,
                    lines: Sequence[Tuple[float, str]] = ()) -> None:
    """The temporal probe of models: left, top-1 per model (numbered as
    in the legend, so long config names never crowd the axis) under each
    perturbation, grouped bars; right, top-1 against the motion gain
    (``ordered - frozen``), marker shape: the order gain (``ordered -
    shuffled``) positive or not.

    Args:
        names (Sequence[str]): The models, in order.
        top1 (dict): ``'ordered'`` (first) and each perturbation -> top-1
            (fractions) of each model.
        path (str | Path): The PNG to write.
        title (str): The figure's title.
        lines (Sequence[tuple]): (top-1 fraction, label) reference lines,
            e.g. chance. Defaults to none.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    plt = _pyplot()
    palette = [plt.get_cmap(name)(i) for name, count in PALETTES
               for i in range(count)]
    colours = [palette[i % len(palette)] for i in range(len(names))]
    modes = list(top1)
    grey = plt.get_cmap('Greys')
    shades = [grey(0.85 - 0.6 * i / max(len(modes) - 1, 1))
              for i in range(len(modes))]
    count = len(names) + len(lines)
    longest = max([len(name) + 4 for name in names] + [30])
    columns = max(1, min(count, LEGEND_CHARS // longest))
    rows = math.ceil(count / columns)
    fig, axes = plt.subplots(1, 2, figsize=(18, 4.8 + 0.25 * rows),
                             gridspec_kw=dict(width_ratios=[1.4, 1]))
    positions = np.arange(len(names))
    width = 0.8 / len(modes)
    for m, mode in enumerate(modes):
        offset = (m - (len(modes) - 1) / 2) * width
        axes[0].bar(positions + offset, [100 * v for v in top1[mode]],
                    width=width * 0.95, color=shades[m], zorder=3,
                    edgecolor=colours, linewidth=1.5,
                    hatch=None if m == 0 else HATCHES[(m - 1) % len(HATCHES)])
    axes[0].set_xticks(positions)
    axes[0].set_xticklabels([str(i) for i in range(1, len(names) + 1)])
    axes[0].set_xlabel('model (numbered as in the legend)')
    axes[0].set_ylabel('top-1 on the test list (%)')
    axes[0].set_title('top-1 under each perturbation of the test videos',
                      fontsize=9)
    axes[0].legend(handles=[Patch(facecolor=shades[m], edgecolor='black',
                                  hatch=None if m == 0 else
                                  HATCHES[(m - 1) % len(HATCHES)],
                                  label=mode)
                            for m, mode in enumerate(modes)],
                   fontsize=8, loc='upper right', ncol=len(modes))
    ordered = np.array(top1['ordered'], dtype=float)
    motion = 100 * (ordered - np.array(top1['frozen'], dtype=float))
    order = 100 * (ordered - np.array(top1['shuffled'], dtype=float))
    for i, colour in enumerate(colours):
        axes[1].scatter(motion[i], 100 * ordered[i], color=colour, s=140,
                        marker='o' if order[i] > 0 else 's', zorder=3,
                        edgecolor='black', linewidth=0.6, alpha=0.8)
    finite = [g for g in motion if math.isfinite(g)] + [0.0]
    axes[1].set_xlim(min(finite) - 5, max(finite) + 5)
    axes[1].axvline(0, color='grey', linewidth=1)
    axes[1].set_xlabel('motion gain: top-1 ordered - frozen (points)')
    axes[1].set_title('accuracy vs motion gain (right: uses motion; '
                      'circle: order gain > 0, square: none)', fontsize=9)
    handles = [Line2D([], [], linestyle='', marker='o', markersize=9,
                      color=c, markeredgecolor='black', label=f'{i} {n}')
               for i, (n, c) in enumerate(zip(names, colours), 1)]
    handles += reference_lines(axes, lines)
    fig.legend(handles=handles, loc='lower center', ncol=columns,
               fontsize=9, frameon=False)
    fig.suptitle(title, fontsize=11)
    inches = fig.get_figheight()
    fig.tight_layout(rect=(0, (0.25 * rows + 0.15) / inches, 1, 1))
    fig.savefig(str(path), dpi=100)
    plt.close(fig)
