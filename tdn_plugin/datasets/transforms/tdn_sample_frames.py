"""TDN's segment sampler: T segments of F consecutive frames."""
import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform


@TRANSFORMS.register_module()
class TDNSampleFrames(BaseTransform):
    """Sample T segments of F consecutive frames, as TDN's release does.

    Train (``test_mode=False``): the video's ``n - F + 1`` window starts are
    split into T equal parts and each segment starts at a random offset in
    its part; with fewer starts than T, sorted random starts; with fewer
    frames than T, all segments start at 0. Test, one clip: segment centres,
    ``int(tick / 2 + tick * t)`` with ``tick = (n - F + 1) / T``, when
    ``n > T + F - 1``, else starts at 0 (the release's val/Something-Something
    rule). Test, ``num_clips > 1`` (e.g. 10 for Kinetics): deterministic,
    clip i starts its segments at ``int(tick * (t + (i + 0.5) / num_clips))``,
    evenly spread and distinct where the video is long enough (the release
    instead ran its random train sampler 10 times). A window is clamped at the
    last frame (repeats it, never wraps).

    Required keys: ``total_frames``, ``start_index``. Added keys:
    ``frame_inds`` (num_clips * T * F, clip-major then segment then frame),
    ``clip_len`` (T * F, the frames of one view), ``num_clips``,
    ``frame_interval`` (1).

    Args:
        num_segments (int): Segments T per clip.
        frames_per_segment (int): Consecutive frames F per segment.
            Defaults to 5.
        num_clips (int): Clips (views) per video. Defaults to 1.
        test_mode (bool): Deterministic test sampling. Defaults to False.
    """

    def __init__(self,
                 num_segments: int,
                 frames_per_segment: int = 5,
                 num_clips: int = 1,
                 test_mode: bool = False) -> None:
        if num_segments < 1 or frames_per_segment < 1 or num_clips < 1:
            raise ValueError('num_segments, frames_per_segment and num_clips '
                             'must be >= 1')
        if num_clips > 1 and not test_mode:
            raise ValueError('num_clips > 1 is a test-time option '
                             '(test_mode=True)')
        self.num_segments = num_segments
        self.frames_per_segment = frames_per_segment
        self.num_clips = num_clips
        self.test_mode = test_mode

    def _train_starts(self, num_frames: int) -> np.ndarray:
        t, f = self.num_segments, self.frames_per_segment
        average = (num_frames - f + 1) // t
        if average > 0:
            return np.arange(t) * average + np.random.randint(average, size=t)
        if num_frames > t and num_frames - f + 1 > 0:
            return np.sort(np.random.randint(num_frames - f + 1, size=t))
        return np.zeros(t, dtype=np.int64)

    def _test_starts(self, num_frames: int) -> np.ndarray:
        t, f, n = self.num_segments, self.frames_per_segment, self.num_clips
        windows = num_frames - f + 1
        if n == 1 and num_frames <= t + f - 1 or windows < 1:
            return np.zeros((n, t), dtype=np.int64)
        tick = windows / t
        phase = (np.arange(n)[:, None] + 0.5) / n  # (num_clips, 1)
        starts = (tick * (np.arange(t)[None] + phase)).astype(np.int64)
        return np.minimum(starts, windows - 1)

    def transform(self, results: dict) -> dict:
        num_frames = int(results['total_frames'])
        if num_frames < 1:
            raise ValueError(f'{results.get("filename", "video")} has no '
                             'frames')
        if self.test_mode:
            starts = self._test_starts(num_frames)
        else:
            starts = self._train_starts(num_frames)[None]
        # (num_clips, T, F) frame indices, clamped at the last frame
        inds = starts[..., None] + np.arange(self.frames_per_segment)
        inds = np.minimum(inds, num_frames - 1)
        results['frame_inds'] = (inds.reshape(-1) +
                                 results['start_index']).astype(np.int32)
        results['clip_len'] = self.num_segments * self.frames_per_segment
        results['num_clips'] = self.num_clips
        results['frame_interval'] = 1
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(num_segments={self.num_segments}, '
                f'frames_per_segment={self.frames_per_segment}, '
                f'num_clips={self.num_clips}, test_mode={self.test_mode})')
