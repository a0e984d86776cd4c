"""Ensembling the dumped per-view test scores of several models."""
from typing import List, Sequence

import numpy as np

from tdn_plugin.utils.errors import UserError

from .report import Accuracy, accuracy

RULES = ('relu-sum', 'softmax-mean')


class EnsembleError(UserError, ValueError):
    """A results file or annotation list that cannot be ensembled."""


def read_labels(ann_file: str) -> List[int]:
    """The labels of an annotation list (``path label`` per line)."""
    from tdn_plugin.utils.video_io import read_video_list
    return [label for _, label in read_video_list(ann_file)]


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
    from mmaction.evaluation.functional import get_weighted_score, softmax
    if rule not in RULES:
        raise EnsembleError(f'unknown rule {rule!r}; one of {RULES}')
    per_model = [np.stack([np.asarray(s, dtype=np.float64) for s in model])
                 for model in view_scores]
    per_model = [np.clip(v, 0, None).sum(1) if rule == 'relu-sum' else
                 softmax(v, dim=-1).mean(1) for v in per_model]
    # MMAction2's ensembling (its tools/analysis_tools/report_accuracy.py)
    weight = 1.0 if rule == 'relu-sum' else 1 / len(per_model)
    return np.stack(get_weighted_score(per_model, [weight] * len(per_model)))


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
