"""Time perturbations of a video as frame indices: played backwards, cut
into chunks put out of order, or frozen on its middle frame."""
from typing import Sequence

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

PERTURBATIONS = ('ordered', 'reversed', 'shuffled', 'frozen')


def chunk_order(chunks: int, seed: int) -> np.ndarray:
    """The fixed order of the ``shuffled`` perturbation's chunks: a
    permutation drawn from ``seed`` in which no chunk is followed by the
    one that followed it in the video (so no cut joins what it cut), the
    first permutation of such drawn; the identity for one chunk."""
    rng = np.random.default_rng(seed)
    while True:
        order = rng.permutation(chunks)
        if chunks < 2 or (np.diff(order) != 1).all():
            return order


def perturb_indices(inds: np.ndarray, total_frames: int, mode: str,
                    chunks: int = 8,
                    order: Sequence[int] = ()) -> np.ndarray:
    """Where each frame of the perturbed video comes from in the video.

    Args:
        inds (np.ndarray): Frame indices of the perturbed video, 0-based,
            in ``[0, total_frames)``.
        total_frames (int): Frames of the video.
        mode (str): One of :data:`PERTURBATIONS`.
        chunks (int): Chunks of ``shuffled``. Defaults to 8.
        order (Sequence[int]): The chunks' order in the perturbed video
            (:func:`chunk_order`); ``shuffled`` only.

    Returns:
        np.ndarray: The frame indices in the video, same shape.
    """
    n = int(total_frames)
    inds = np.clip(np.asarray(inds, dtype=np.int64), 0, max(n - 1, 0))
    if mode == 'ordered':
        return inds
    if mode == 'reversed':
        return n - 1 - inds
    if mode == 'frozen':
        return np.full_like(inds, n // 2)
    # shuffled: chunk c of the video is [bounds[c], bounds[c + 1]); the
    # perturbed video is the chunks in `order`, each played forwards
    bounds = (np.arange(chunks + 1) * n) // chunks
    sizes = np.diff(bounds)[np.asarray(order)]
    ends = np.cumsum(sizes)  # where each chunk ends in the perturbed video
    position = np.searchsorted(ends, inds, side='right')
    offset = inds - (ends - sizes)[position]
    return bounds[np.asarray(order)[position]] + offset


@TRANSFORMS.register_module()
class PerturbFrameIndices(BaseTransform):
    """Perturb the time of a video through the frame indices a sampler
    chose, so that a model sees what it would see on a perturbed copy of
    the file: the temporal probe of ``tdn compare --probe`` (see
    ``docs/compare.md``), after Sevilla-Lara et al., "Only Time Can
    Tell", WACV 2021 (https://arxiv.org/abs/1907.13487).

    It goes right after the sampler (``SampleFrames``, ``TDNSampleFrames``,
    ``UniformSample``, ``DenseSampleFrames``; SlowFast's two pathways are
    cut from one ``SampleFrames`` clip in the model) and before decoding,
    and maps each index ``i`` of the ``n``-frame video:

    - ``reversed``: the video played backwards, ``i -> n - 1 - i``;
    - ``shuffled``: the video cut into ``chunks`` equal chunks put in a
      fixed order drawn from ``seed`` (:func:`chunk_order`): motion inside
      a chunk kept, the order across the clip lost;
    - ``frozen``: every frame is the video's middle frame ``n // 2``
      (appearance only, no motion): every frame of a view has the same
      pixels;
    - ``ordered``: unchanged.

    Required keys: ``frame_inds``, ``total_frames``, ``start_index``
    (default 0). Modified keys: ``frame_inds``. Added keys:
    ``time_perturbation``.

    Args:
        mode (str): ``'reversed'``, ``'shuffled'``, ``'frozen'`` or
            ``'ordered'``.
        chunks (int): Chunks of ``shuffled``. Defaults to 8.
        seed (int): Seed of the chunks' order. Defaults to 0.
    """

    def __init__(self, mode: str, chunks: int = 8, seed: int = 0) -> None:
        if mode not in PERTURBATIONS:
            raise ValueError(f'unknown time perturbation {mode!r}: choose '
                             f'from {", ".join(PERTURBATIONS)}')
        if chunks < 1:
            raise ValueError('chunks must be >= 1')
        self.mode = mode
        self.chunks = chunks
        self.seed = seed
        self.order = chunk_order(chunks, seed)

    def transform(self, results: dict) -> dict:
        start = int(results.get('start_index', 0))
        inds = np.asarray(results['frame_inds'])
        moved = perturb_indices(inds - start, results['total_frames'],
                                self.mode, self.chunks, self.order)
        results['frame_inds'] = (moved + start).astype(inds.dtype)
        results['time_perturbation'] = self.mode
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(mode={self.mode!r}, '
                f'chunks={self.chunks}, seed={self.seed})')
