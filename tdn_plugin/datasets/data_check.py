"""The missing, unreadable and too short videos of a config's annotation
lists, found before a long run meets them (``tdn check-data``), and the
annotation lists themselves checked before a run starts."""
import io
import os.path as osp
from typing import List, Optional, Sequence, Tuple

from tdn_plugin.utils.config_edit import dataset_leaves, datasets_of
from tdn_plugin.utils.errors import UserError, describe
from tdn_plugin.utils.video_io import decoder_output, decoder_reason

SPLITS = ('train', 'val', 'test')
# (kind, file, detail); kind: 'missing', 'unreadable', 'too short'
Problem = Tuple[str, str, str]


class DataListError(UserError, FileNotFoundError):
    """An annotation list (``ann_file``) a run needs does not exist."""


def default_min_frames(pipeline: list) -> int:
    """The frames one sampled window needs; TDN and MMAction2's samplers
    repeat frames of shorter videos, which then give no motion."""
    for transform in pipeline or []:
        kind = transform.get('type')
        if kind == 'TDNSampleFrames':
            return transform.get('frames_per_segment', 5)
        if kind in ('SampleFrames', 'DenseSampleFrames'):
            return transform.get('clip_len', 1) * transform.get(
                'frame_interval', 1)
    return 1


def check_video(filename: str, min_frames: int) -> Optional[Problem]:
    """A problem of one video file, as DecordInit/DecordDecode would meet
    it: missing, not opened by decord, first or last frame not decoded,
    fewer than ``min_frames`` frames. None: fine."""
    from mmengine import fileio
    if osp.splitext(filename)[0] == filename:
        filename += '.mp4'  # as DecordInit does
    if not fileio.exists(filename):
        return 'missing', filename, ''
    if osp.isfile(filename) and osp.getsize(filename) == 0:
        return 'unreadable', filename, 'empty file'
    import decord
    source = filename if osp.isfile(filename) else io.BytesIO(
        fileio.get(filename))
    with decoder_output() as printed:  # decord's lines: one reason
        try:
            reader = decord.VideoReader(source, num_threads=1)
            frames = len(reader)
        except Exception as error:  # noqa: BLE001  any decoding failure
            return ('unreadable', filename, 'decord cannot open it: '
                    + decoder_reason(filename, printed.text(), error))
        if frames < 1:
            printed.text()  # the reason is said: not passed on
            return 'unreadable', filename, 'no frames'
        try:
            reader.get_batch(sorted({0, frames - 1})).asnumpy()
        except Exception as error:  # noqa: BLE001
            return ('unreadable', filename, 'decoding its first or last '
                    'frame fails: '
                    + decoder_reason(filename, printed.text(), error))
    if frames < min_frames:
        return 'too short', filename, f'{frames} frames < {min_frames}'
    return None


def check_frames(info: dict, min_frames: int) -> Optional[Problem]:
    """A problem of one rawframe folder (RawframeDataset): missing folder,
    first or last listed frame missing or not decodable, fewer than
    ``min_frames`` listed frames."""
    import cv2
    import numpy as np
    from mmengine import fileio
    folder = info['frame_dir']
    if not fileio.isdir(folder):
        return 'missing', folder, ''
    total = int(info.get('total_frames', 0))
    if total < 1:
        return 'unreadable', folder, 'the list gives 0 frames'
    tmpl = info.get('filename_tmpl', 'img_{:05}.jpg')
    first = info.get('start_index', 1) + info.get('offset', 0)
    for index in sorted({first, first + total - 1}):
        name = tmpl.format('x', index) if info.get('modality') == 'Flow' \
            else tmpl.format(index)
        path = osp.join(folder, name)
        if not fileio.exists(path):
            return ('unreadable', folder,
                    f'{name} is missing (the list gives {total} frames)')
        try:
            image = cv2.imdecode(
                np.frombuffer(fileio.get(path), np.uint8), cv2.IMREAD_COLOR)
        except Exception as error:  # noqa: BLE001
            return 'unreadable', folder, f'{name}: {describe(error)}'
        if image is None:
            return 'unreadable', folder, f'{name} cannot be decoded'
    if total < min_frames:
        return 'too short', folder, f'{total} frames < {min_frames}'
    return None


def _check(job: Tuple[dict, int]) -> Optional[Problem]:
    info, min_frames = job
    try:
        if 'frame_dir' in info:
            return check_frames(info, min_frames)
        if 'filename' in info:
            return check_video(info['filename'], min_frames)
    except Exception as error:  # noqa: BLE001  never stop the scan
        name = info.get('filename') or info.get('frame_dir')
        return 'unreadable', str(name), describe(error)
    return 'unreadable', str(info), 'neither a video file nor a frame folder'


def _entries(dataset_cfg: dict) -> List[dict]:
    """The annotation list of a dataset config, read by its own class."""
    from mmaction.registry import DATASETS
    cfg = dict(dataset_cfg, pipeline=[])
    cfg.pop('lazy_init', None)
    dataset = DATASETS.build(cfg)
    return [dataset.get_data_info(i) for i in range(len(dataset))]


def check_split(split: str, dataset_cfg: dict, min_frames: Optional[int],
                jobs: int) -> Tuple[int, List[Problem]]:
    """(number of entries, problems) of one split, with a progress bar."""
    from tqdm import tqdm
    entries, problems = [], []
    for leaf in dataset_leaves(dataset_cfg):
        need = min_frames or default_min_frames(leaf.get('pipeline'))
        try:
            entries += [(info, need) for info in _entries(leaf)]
        except Exception as error:  # noqa: BLE001
            problems.append(('unreadable', str(leaf.get('ann_file')),
                             f'annotation file: {describe(error)}'))
    bar = dict(total=len(entries), desc=f'check-data {split}', unit='video')
    if jobs > 1 and len(entries) > 1:
        import multiprocessing
        with multiprocessing.get_context('fork').Pool(jobs) as pool:
            results = list(tqdm(pool.imap(_check, entries, chunksize=8),
                                **bar))
    else:
        results = [_check(e) for e in tqdm(entries, **bar)]
    return len(entries), problems + [p for p in results if p]


def missing_lists(cfg, splits: Sequence[str] = SPLITS
                  ) -> List[Tuple[str, str]]:
    """(split, ann_file) of each annotation list of the splits' datasets
    that does not exist (local files; other backends are not looked at)."""
    missing = []
    for split, leaf in datasets_of(cfg, splits):
        ann_file = leaf.get('ann_file')
        if ann_file and '://' not in str(ann_file) and not osp.isfile(
                ann_file) and (split, ann_file) not in missing:
            missing.append((split, ann_file))
    return missing


def require_lists(cfg, splits: Sequence[str]) -> None:
    """Raise :class:`DataListError` (``train list not found: PATH``,
    ``train list is empty: PATH``) if an annotation list of the splits is
    missing, has no entry, or names only videos that are not there (the
    first 20 looked at), before any work starts."""
    missing = missing_lists(cfg, splits)
    if missing:
        raise DataListError('; '.join(f'{split} list not found: {path}'
                                      for split, path in missing))
    for split, leaf in datasets_of(cfg, splits):
        ann_file = leaf.get('ann_file')
        if not ann_file or '://' in str(ann_file):
            continue
        with open(ann_file, errors='replace') as f:
            if not any(line.strip() for line in f):
                raise DataListError(f'{split} list is empty: {ann_file}')
        _require_some_videos(split, leaf)
        _require_labels_below(split, leaf, (
            cfg.get('model', {}).get('cls_head') or {}).get('num_classes'))


def _require_labels_below(split: str, leaf: dict,
                          num_classes: Optional[int]) -> None:
    """Raise :class:`DataListError` if a label of a VideoDataset list is
    not a class of the model (training would fail at its first batch)."""
    from tdn_plugin.utils.video_io import read_video_list
    if not isinstance(num_classes, int) or leaf.get(
            'type', 'VideoDataset') != 'VideoDataset':
        return
    try:
        entries = read_video_list(leaf['ann_file'])
    except (OSError, ValueError):
        return  # not "path label" lines: the dataset says what is wrong
    wrong = [(name, label) for name, label in entries
             if not 0 <= label < num_classes]
    if wrong:
        raise DataListError(
            f'{split} list {leaf["ann_file"]}: label {wrong[0][1]} of '
            f'{wrong[0][0]} is not a class of the model ({num_classes} '
            f'classes, labels 0-{num_classes - 1}; {len(wrong)} such '
            'line(s)): check --classes or model.cls_head.num_classes')


def _require_some_videos(split: str, leaf: dict, first: int = 20) -> None:
    """Raise :class:`DataListError` if none of the first videos of a
    VideoDataset list is where the dataset looks (a wrong data root or
    ``--data-root``): a run would only skip unreadable samples."""
    from tdn_plugin.utils.video_io import read_video_list
    if leaf.get('type', 'VideoDataset') != 'VideoDataset':
        return
    try:
        entries = read_video_list(leaf['ann_file'])[:first]
    except (OSError, ValueError):
        return  # not "path label" lines: the dataset says what is wrong
    prefix = (leaf.get('data_prefix') or {}).get('video') or ''
    if '://' in str(prefix):
        return
    paths = [osp.join(prefix, name) for name, _ in entries]
    paths = [p if osp.splitext(p)[1] else p + '.mp4' for p in paths]
    if paths and not any(osp.exists(p) for p in paths):
        raise DataListError(
            f'{split} list {leaf["ann_file"]}: none of its first '
            f'{len(paths)} videos is there (e.g. {paths[0]}): check the '
            'data root (data_prefix, or --data-root)')


def format_report(split: str, total: int, problems: List[Problem]) -> str:
    """What ``tdn check-data`` prints for one split."""
    if not problems:
        return f'{split}: {total} videos, all good'
    counts = ', '.join(
        f'{sum(p[0] == kind for p in problems)} {kind}'
        for kind in ('missing', 'unreadable', 'too short')
        if any(p[0] == kind for p in problems))
    lines = [f'{split}: {len(problems)} of {total} videos have problems '
             f'({counts})']
    for kind, name, detail in problems:
        lines.append(f'  {kind + ":":<12} {name}' +
                     (f' ({detail})' if detail else ''))
    return '\n'.join(lines)


def check_data(cfg, splits: Sequence[str] = SPLITS,
               min_frames: Optional[int] = None, jobs: int = 1) -> bool:
    """Check every video of the splits' annotation lists and print a report
    per split (a list checked once even if several splits use it).

    Args:
        cfg (mmengine.Config): The config.
        splits (Sequence[str]): Of 'train', 'val', 'test'. Defaults to all.
        min_frames (int, optional): Fewer frames are too short. Defaults to
            the frames one sampled window of the split's pipeline needs.
        jobs (int): Processes checking videos. Defaults to 1.

    Returns:
        bool: True if every list exists and every video is fine.
    """
    seen = {}  # dataset config -> split that checked it
    good = True
    for split in splits:
        loader = cfg.get(f'{split}_dataloader') or {}
        dataset = loader.get('dataset')
        if not dataset:
            print(f'{split}: no {split}_dataloader in the config')
            continue
        dataset = dataset.to_dict() if hasattr(dataset, 'to_dict') else \
            dict(dataset)
        missing = missing_lists(cfg, [split])
        if missing:
            for _, path in missing:
                print(f'{split}: list not found: {path}')
            good = False
            continue
        key = repr([(leaf.get('type'), leaf.get('ann_file'),
                     leaf.get('data_prefix'), min_frames
                     or default_min_frames(leaf.get('pipeline')))
                    for leaf in dataset_leaves(dataset)])
        if key in seen:
            print(f'{split}: the same annotation list as {seen[key]}')
            continue
        seen[key] = split
        total, problems = check_split(split, dataset, min_frames, jobs)
        print(format_report(split, total, problems))
        good = good and not problems
    return good
