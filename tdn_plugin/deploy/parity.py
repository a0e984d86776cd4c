"""Do a runtime's scores equal the PyTorch recognizer's?"""
from typing import Callable, Dict, List, Sequence

import numpy as np
import torch
from mmengine.dataset import pseudo_collate


class ParityError(AssertionError):
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
    """The recognizer's own ``predict`` on preprocessed frames of one video.

    Args:
        model (torch.nn.Module): The recognizer (eval mode).
        frames (torch.Tensor): (views * frames_per_view, 3, H, W).

    Returns:
        np.ndarray: ``pred_score``.
    """
    from mmaction.structures import ActionDataSample
    with torch.no_grad():
        sample = model(frames[None], [ActionDataSample()], mode='predict')[0]
    return sample.pred_score.float().numpy()


def test_step_scores(model: torch.nn.Module, clip: dict) -> np.ndarray:
    """``model.test_step`` (preprocessor included) on one pipeline output."""
    with torch.no_grad():
        return model.test_step(
            pseudo_collate([clip]))[0].pred_score.float().numpy()


def check_parity(model: torch.nn.Module,
                 runtimes: Dict[str, Callable[[np.ndarray], np.ndarray]],
                 clips: Sequence[dict],
                 random_frames: Sequence[torch.Tensor] = (),
                 tolerance: float = 1e-4) -> List[dict]:
    """Compare runtimes with PyTorch on random and on real frames.

    Args:
        model (torch.nn.Module): The recognizer (eval mode).
        runtimes (dict): name -> callable on (frames, 3, H, W) float32.
        clips (Sequence[dict]): Pipeline outputs (real decoded videos),
            compared with ``test_step``.
        random_frames (Sequence[torch.Tensor]): Preprocessed-like inputs,
            compared with ``predict``.
        tolerance (float): Largest relative difference allowed. Defaults
            to 1e-4.

    Returns:
        list[dict]: ``backend``, ``input``, ``views``, ``relative``,
        ``top1_equal`` per comparison.

    Raises:
        ParityError: A difference above ``tolerance`` (one line).
    """
    from tdn_plugin.apis.inference import preprocess
    from tdn_plugin.utils.complexity import frames_per_view
    per_view = frames_per_view(model, getattr(model, 'cfg', None))
    cases = [(f'random {i} ({frames.shape[-2]}x{frames.shape[-1]})', frames,
               predict_scores(model, frames))
             for i, frames in enumerate(random_frames)]
    cases += [(f'real clip {i}', preprocess(model.data_preprocessor, clip),
               test_step_scores(model, clip)) for i, clip in enumerate(clips)]
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
    """Top-1 accuracy of a runtime on labelled pipeline outputs.

    Args:
        runtime (Callable): Preprocessed frames -> scores.
        preprocessor (Callable): The config's ``data_preprocessor``.
        clips (Sequence[dict]): Pipeline outputs with ``gt_label``.

    Returns:
        float: Accuracy in percent.
    """
    from tdn_plugin.apis.inference import preprocess
    hits = 0
    for clip in clips:
        scores = np.asarray(runtime(preprocess(preprocessor, clip).numpy()))
        if scores.ndim > 1:
            scores = scores.mean(0)
        hits += int(np.argmax(scores) == int(clip['data_samples'].gt_label))
    return 100.0 * hits / max(len(clips), 1)
