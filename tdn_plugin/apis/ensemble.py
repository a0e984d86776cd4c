"""Ensembling the dumped per-view test scores of several models."""
from typing import List, Sequence

import numpy as np

from .report import Accuracy, accuracy

RULES = ('relu-sum', 'softmax-mean')


class EnsembleError(ValueError):
    """A results file or annotation list that cannot be ensembled."""


def read_labels(ann_file: str) -> List[int]:
    """The labels of an annotation list (``path label`` per line)."""
    labels = []
    with open(ann_file) as f:
        for number, line in enumerate(f, 1):
            if line.strip():
                try:
                    labels.append(int(line.split()[-1]))
                except ValueError:
                    raise EnsembleError(f'{ann_file}:{number}: no label in '
                                        f'{line.strip()!r}') from None
    return labels


def combine(view_scores: Sequence[Sequence], rule: str) -> np.ndarray:
    """Combine the models' raw view logits into one score per video.

    Args:
        view_scores (Sequence): Per model, per video, a (views, K) array of
            raw logits.
        rule (str): ``'relu-sum'``, the release's rule (sum of ReLU-clipped
            logits over models and views), or ``'softmax-mean'`` (mean of
            the softmax over models and views).

    Returns:
        np.ndarray: (videos, K) combined scores.
    """
    if rule not in RULES:
        raise EnsembleError(f'unknown rule {rule!r}; one of {RULES}')
    per_model = []
    for samples in view_scores:
        scores = np.stack([np.asarray(s, dtype=np.float64) for s in samples])
        if rule == 'relu-sum':
            per_model.append(np.clip(scores, 0, None).sum(1))
        else:
            exp = np.exp(scores - scores.max(-1, keepdims=True))
            per_model.append((exp / exp.sum(-1, keepdims=True)).mean(1))
    combined = np.stack(per_model).sum(0)
    return combined if rule == 'relu-sum' else combined / len(per_model)


def ensemble(dumps: Sequence[str], ann_file: str,
             rule: str = 'relu-sum') -> Accuracy:
    """Accuracy of several models' dumped test scores, combined.

    Args:
        dumps (Sequence[str]): Results files of ``tdn test CONFIG CKPT
            --dump FILE.pkl``, one per model, same test list.
        ann_file (str): The test annotation list.
        rule (str): See :func:`combine`. Defaults to ``'relu-sum'``.

    Returns:
        Accuracy: top-1, top-5, ... of the combined scores.
    """
    from tdn_plugin.utils.safe_pickle import load_results
    labels = read_labels(ann_file)
    view_scores = []
    for path in dumps:
        results = load_results(path)
        if not results or 'view_scores' not in results[0]:
            raise EnsembleError(
                f'{path} has no per-view scores; write it with '
                '`tdn test CONFIG CKPT --dump FILE.pkl`')
        if len(results) != len(labels):
            raise EnsembleError(f'{path} has {len(results)} results, '
                                f'{ann_file} {len(labels)} videos')
        view_scores.append([np.asarray(r['view_scores']) for r in results])
    return accuracy(combine(view_scores, rule), np.asarray(labels))
