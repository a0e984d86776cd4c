"""Test protocols as one switch: how many views (clips x crops) a video is
tested with.

The TDN release tests with three protocols: 1 clip of the centre crop
(``1x1``), 1 clip x three crops (``3crop``, Something-Something) and 10
clips x three crops (``10x3``, Kinetics). Mixing them up moves top-1 by
points (TDN issues #2 and #49: 74.0 vs 76.6 on Kinetics-400 is a protocol
difference), so :func:`set_test_views` rewrites a config's test pipeline
for one of them, for the plugin's ``TDNSampleFrames`` and MMAction2's
``SampleFrames`` alike.

It is also the one home of frames per view (T x F, what one view holds)
and of the views one forward call takes at most.
"""
import copy
from typing import Dict, List, Optional, Tuple

from .config_edit import datasets_of
from .errors import UserError

# protocol -> (clips, crops)
VIEWS: Dict[str, Tuple[int, int]] = {
    '1x1': (1, 1),
    '3crop': (1, 3),
    '10x3': (10, 3),
}
# frames one forward call takes at most (whole views): a 10x3 protocol of
# TDN-R101 T=16 is 2400 frames, tens of GB of activations at once; 160
# frames of R50 at 224 peak at a few hundred MB
FRAMES_PER_CALL = 160
_VIDEO_READERS = ('DecordInit', 'OpenCVInit', 'PyAVInit')
CROPS = {1: 'CenterCrop', 3: 'ThreeCrop', 10: 'TenCrop'}
_CROP_TYPES = {kind: crops for crops, kind in CROPS.items()}


class ViewsError(UserError, ValueError):
    """A test pipeline that cannot be rewritten for a protocol."""


def _test_dataset(cfg) -> dict:
    """The test dataloader's dataset that holds the pipeline (inside
    wrappers such as ``SkipBadVideos`` or ``RepeatDataset``)."""
    return dict(datasets_of(cfg)).get('test', cfg.test_dataloader.dataset)


def config_test_pipeline(cfg) -> list:
    """The pipeline the config tests with: its test dataloader's (the one
    :func:`set_test_views` rewrites).

    Args:
        cfg (Config): The config.

    Returns:
        list: The transform configs.
    """
    return _test_dataset(cfg).pipeline


def _set_clips(transform: dict, clips: int) -> dict:
    """The sampler ``transform`` rewritten to sample ``clips`` views."""
    kind = transform.get('type')
    transform = dict(transform, test_mode=True)
    if kind == 'TDNSampleFrames':
        transform.pop('num_clips', None)  # 1 by default
        if clips > 1:
            transform['num_clips'] = clips
        return transform
    if kind == 'SampleFrames':
        transform.pop('twice_sample', None)
        if transform.get('clip_len', 1) > 1:
            transform['num_clips'] = clips  # a 3D clip is a view
            return transform
        # TSN-style: num_clips frames, one per segment, form ONE view;
        # several views of T segments each are what TDNSampleFrames samples
        # with one frame per segment (clip i at phase (i + 0.5) / clips)
        if clips == 1:
            return transform
        return dict(type='TDNSampleFrames',
                    num_segments=transform.get('num_clips', 1),
                    frames_per_segment=1, num_clips=clips, test_mode=True)
    if kind == 'DenseSampleFrames':
        # dense sampling's test views are its start positions
        transform['num_sample_positions'] = clips
        return transform
    raise ViewsError(f'cannot set the clips of a {kind} sampler')


def set_test_views(cfg, views: str):
    """Rewrite ``cfg``'s test pipeline for a test protocol, in place.

    The frame sampler gets the protocol's clips; the crop step
    (``CenterCrop``/``ThreeCrop``/``TenCrop``) becomes the protocol's.
    ``CenterCrop`` keeps the crop size it replaces; ``ThreeCrop`` takes
    three crops of the short side's size, as in the release (``Resize(-1,
    256)`` then ``ThreeCrop(256)``): a fixed square resize before it
    becomes "short side to S". A pipeline without a crop (the whole frame
    squeezed to ``S x S``) keeps it for ``1x1``.

    Args:
        cfg (Config): The config.
        views (str): ``'1x1'``, ``'3crop'`` or ``'10x3'``.

    Returns:
        Config: ``cfg``.

    Raises:
        ViewsError: An unknown protocol, or a pipeline without a known
            sampler or crop.
    """
    if views not in VIEWS:
        raise ViewsError(f'unknown views {views!r}: choose from '
                         f'{", ".join(VIEWS)}')
    clips, crops = VIEWS[views]
    pipeline: List[dict] = [copy.deepcopy(dict(t))
                            for t in config_test_pipeline(cfg)]
    samplers = [i for i, t in enumerate(pipeline)
                if t.get('type') in ('TDNSampleFrames', 'SampleFrames',
                                     'DenseSampleFrames')]
    if not samplers:
        raise ViewsError('the test pipeline has no TDNSampleFrames, '
                         'SampleFrames or DenseSampleFrames step to set the '
                         'clips of')
    pipeline[samplers[0]] = _set_clips(pipeline[samplers[0]], clips)
    crop_steps = [i for i, t in enumerate(pipeline)
                  if t.get('type') in _CROP_TYPES]
    resizes = [i for i, t in enumerate(pipeline[:crop_steps[0]] if crop_steps
                                       else pipeline)
               if t.get('type') == 'Resize'
               and isinstance(t.get('scale'), (tuple, list))]
    index = crop_steps[0] if crop_steps else None
    size = pipeline[index]['crop_size'] if crop_steps else None
    if crops == 3:
        # as the release: three crops of the short side's size along the
        # long side of a "short side to S" resize
        if not resizes:
            raise ViewsError('the test pipeline has no Resize before its '
                             'crop to take three crops from')
        resize = pipeline[resizes[-1]]
        scale = tuple(resize['scale'])
        if scale[0] == -1:
            size = scale[1]
        elif not resize.get('keep_ratio', True) and scale[0] == scale[1]:
            size = scale[0]
            pipeline[resizes[-1]] = dict(type='Resize', scale=(-1, size))
        else:
            raise ViewsError(f'cannot take three crops after Resize(scale='
                             f'{scale}): resize the short side (-1, S)')
    if index is not None:
        pipeline[index] = dict(type=CROPS[crops], crop_size=size)
    elif crops > 1:  # no crop yet: the three crops follow the resize
        pipeline.insert(resizes[-1] + 1,
                        dict(type=CROPS[crops], crop_size=size))
    _test_dataset(cfg).pipeline = pipeline
    return cfg


def count_test_views(cfg) -> Optional[int]:
    """Views per video (clips x crops) of ``cfg``'s test pipeline, or None
    where its sampler is unknown."""
    clips: Optional[int] = None
    crops = 1
    for transform in config_test_pipeline(cfg):
        kind = transform.get('type')
        if kind == 'TDNSampleFrames':
            clips = transform.get('num_clips', 1)
        elif kind == 'SampleFrames':
            clips = (transform.get('num_clips', 1)
                     if transform.get('clip_len', 1) > 1 else 1)
            if transform.get('twice_sample'):
                clips *= 2
        elif kind == 'DenseSampleFrames':
            clips = (transform.get('num_sample_positions', 10)
                     if transform.get('test_mode') else 1)
        elif kind in _CROP_TYPES:
            crops = _CROP_TYPES[kind]
    return None if clips is None else clips * crops


def sampler_frames_per_view(transform: dict) -> Optional[int]:
    """Frames one view of a sampling transform holds (T x F), or None if
    ``transform`` is no frame sampler known here.

    ``TDNSampleFrames``: ``num_segments * frames_per_segment`` (F defaults
    to 5, as in the transform). MMAction2's ``SampleFrames``: with
    ``clip_len=1`` (TSN-style sampling of 2D recognizers) the
    ``num_clips`` frames form one view; with ``clip_len > 1`` (3D
    recognizers) one clip of ``clip_len`` frames is one view.

    Args:
        transform (dict): A pipeline step.

    Returns:
        int, optional: The frames per view.
    """
    kind = transform.get('type')
    if kind == 'TDNSampleFrames':
        return transform['num_segments'] * transform.get(
            'frames_per_segment', 5)
    if kind in ('SampleFrames', 'UniformSample', 'DenseSampleFrames'):
        clip_len = transform.get('clip_len', 1)
        if clip_len == 1:
            return transform.get('num_clips', 1)
        return clip_len
    return None


def config_frames_per_view(cfg, split: str = 'test') -> Optional[int]:
    """Frames per view (T x F) that ``split``'s pipeline of ``cfg`` samples,
    read from its frame sampler (see :func:`sampler_frames_per_view`).

    Args:
        cfg (Config): The config.
        split (str): ``'train'``, ``'val'`` or ``'test'``. Defaults to
            ``'test'``.

    Returns:
        int, optional: None if the pipeline has no known sampler.
    """
    for name, dataset in datasets_of(cfg):
        if name != split:
            continue
        for transform in dataset['pipeline']:
            frames = sampler_frames_per_view(transform)
            if frames is not None:
                return frames
    return None


def frames_per_view(model, cfg=None, default: int = 1) -> int:
    """Frames in one view (T x F) of a recognizer.

    From the backbone's ``frames_per_view`` (ResNetTDN, ResNetGTD), else its
    ``num_segments`` x ``frames_per_segment`` (MMAction2's ResNetTSM, TANet),
    else (e.g. TSN's or TRN's plain ResNet) from the frame sampler of the
    config's test pipeline (:func:`config_frames_per_view`), else
    ``default``.

    Args:
        model (nn.Module): A recognizer.
        cfg (Config, optional): Its config. Defaults to None.
        default (int): When nothing says. Defaults to 1.

    Returns:
        int: The frames per view.
    """
    backbone = model.backbone
    frames = getattr(backbone, 'frames_per_view', None)
    if isinstance(frames, int):
        return frames
    if isinstance(getattr(backbone, 'num_segments', None), int):
        return backbone.num_segments * getattr(backbone,
                                               'frames_per_segment', 1)
    if cfg is not None:
        frames = config_frames_per_view(cfg)
        if frames is not None:
            return frames
    return default


def views_per_call(frames_per_view: int,
                   frames_per_call: int = FRAMES_PER_CALL) -> int:
    """Whole views that fit in ``frames_per_call`` frames (at least 1)."""
    return max(1, frames_per_call // frames_per_view)


def video_test_pipeline(cfg) -> List[dict]:
    """The config's test pipeline, reading video files.

    Pipelines of rawframe datasets (``RawFrameDecode``, e.g. the sthv1
    configs) read the video with decord instead; every other transform is
    the config's.

    Args:
        cfg (Config): The config.

    Returns:
        list[dict]: Transform configs.
    """
    pipeline = [copy.deepcopy(dict(t)) for t in config_test_pipeline(cfg)]
    if any(t['type'] in _VIDEO_READERS for t in pipeline):
        return pipeline
    pipeline = [dict(type='DecordWalkDecode') if t['type'] == 'RawFrameDecode'
                else t for t in pipeline]
    return [dict(type='DecordInit')] + pipeline
