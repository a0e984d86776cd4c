"""Do a runtime's scores equal the PyTorch recognizer's?"""
from typing import Callable, Dict, List, Sequence

import numpy as np
import torch

from tdn_plugin.utils.errors import UserError
from tdn_plugin.utils.views import frames_per_view

from .clips import preprocess


class ParityError(UserError, AssertionError):
    """A runtime whose scores differ from PyTorch's."""


def relative_difference(got: np.ndarray, reference: np.ndarray) -> float:
    """``max |got - reference| / max |reference|``, in float64."""
    got = np.asarray(got, dtype=np.float64)
    reference = np.asarray(reference, dtype=np.float64)
    if got.shape != reference.shape:
        return float('inf')
    scale = np.abs(reference).max()
    return float(np.abs(got - reference).max() / (scale if scale else 1.0))


def predict_scores(model: torch.nn.Module,
                   frames: torch.Tensor) -> np.ndarray:
    """The recognizer's own ``predict`` on preprocessed frames of one video
    (``test_step`` after the ``data_preprocessor``).

    Args:
        model (torch.nn.Module), frames (torch.Tensor): The recognizer
            (eval mode); (views * frames_per_view, 3, H, W).

    Returns:
        np.ndarray: ``pred_score``.
    """
    from mmaction.structures import ActionDataSample
    with torch.no_grad():
        sample = model(frames[None], [ActionDataSample()], mode='predict')[0]
    return sample.pred_score.float().numpy()


def check_parity(model: torch.nn.Module,
                 runtimes: Dict[str, Callable[[np.ndarray], np.ndarray]],
                 clips: Sequence[dict],
                 random_frames: Sequence[torch.Tensor] = (),
                 tolerance: float = 1e-4) -> List[dict]:
    """Compare runtimes with PyTorch's ``predict`` on random frames and on
    real clips (pipeline outputs, through the ``data_preprocessor``).

    Args:
        model (torch.nn.Module): The recognizer (eval mode).
        runtimes (dict): name -> callable on (frames, 3, H, W) float32.
        clips (Sequence[dict]): Pipeline outputs of real videos.
        random_frames (Sequence[torch.Tensor]): Preprocessed-like inputs.
        tolerance (float): Largest relative difference allowed. Defaults
            to 1e-4.

    Returns:
        list[dict]: ``backend``, ``input``, ``views``, ``relative``,
        ``top1_equal`` per comparison.

    Raises:
        ParityError: A difference above ``tolerance`` (one line).
    """
    per_view = frames_per_view(model, getattr(model, 'cfg', None))
    inputs = [(f'random {i} ({frames.shape[-2]}x{frames.shape[-1]})', frames)
              for i, frames in enumerate(random_frames)]
    inputs += [(f'real clip {i}', preprocess(model.data_preprocessor, clip))
               for i, clip in enumerate(clips)]
    cases = [(name, frames, predict_scores(model, frames))
             for name, frames in inputs]
    rows = []
    for name, runtime in runtimes.items():
        for case, frames, reference in cases:
            got = runtime(frames.numpy())
            rows.append(dict(
                backend=name, input=case,
                views=frames.shape[0] // per_view,
                relative=relative_difference(got, reference),
                top1_equal=bool(np.argmax(got) == np.argmax(reference))))
    worst = max(rows, key=lambda r: r['relative'], default=None)
    if worst is not None and worst['relative'] > tolerance:
        raise ParityError(
            f'{worst["backend"]} differs from PyTorch by '
            f'{worst["relative"]:.2e} relative (> {tolerance:g}) on '
            f'{worst["input"]} ({worst["views"]} view(s))')
    return rows


def top1_accuracy(runtime: Callable[[np.ndarray], np.ndarray],
                  preprocessor: Callable, clips: Sequence[dict]) -> float:
    """Top-1 accuracy (MMAction2's ``top_k_accuracy``) of a runtime on
    labelled pipeline outputs, in percent."""
    from mmaction.evaluation.functional import top_k_accuracy
    scores = [np.asarray(runtime(preprocess(preprocessor, c).numpy()))
              for c in clips]
    scores = [s.mean(0) if s.ndim > 1 else s for s in scores]
    labels = [int(c['data_samples'].gt_label) for c in clips]
    return 100.0 * top_k_accuracy(scores, labels, (1, ))[0]
