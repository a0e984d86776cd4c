"""A dataset wrapper that keeps long runs alive through unreadable videos."""
import copy
import os.path as osp
from typing import Any, Iterator, List, Optional, Tuple, Union

import numpy as np
import torch
from mmaction.registry import DATASETS
from mmengine.dataset import BaseDataset
from mmengine.logging import MMLogger

from tdn_plugin.utils.errors import UserError, describe
from tdn_plugin.utils.video_io import decoder_output, decoder_reason

# metainfo keys of the data samples that carry the reports to BadVideoHook
SKIPPED_KEY = 'skipped_videos'  # train: [(file, cause), ...] replaced
UNREADABLE_KEY = 'unreadable_video'  # val/test: (file, cause) of a blank


class BadVideoError(UserError, RuntimeError):
    """A sample whose video could not be loaded (``strict`` mode), or too
    many unreadable samples in a row."""


def video_name(data_info: dict, idx: int) -> str:
    """The file (or frame folder) a sample reads."""
    for key in ('filename', 'frame_dir', 'audio_path'):
        if data_info.get(key):
            return str(data_info[key])
    return f'sample {idx}'


def _zeros_like(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return torch.zeros_like(value)
    if isinstance(value, np.ndarray):
        return np.zeros_like(value)
    if isinstance(value, dict):
        return {k: _zeros_like(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_zeros_like(v) for v in value)
    return copy.deepcopy(value)


def walk_datasets(dataset: Any) -> Iterator[Any]:
    """A built dataset and every dataset inside it, outermost first:
    through ``dataset`` (RepeatDataset, SkipBadVideos, ...) and
    ``datasets`` (ConcatDataset); the built counterpart of
    :func:`tdn_plugin.utils.config_edit.dataset_leaves`."""
    todo = [dataset]
    while todo:
        current = todo.pop(0)
        if current is None:
            continue
        yield current
        attrs = getattr(current, '__dict__', {})
        todo.extend(attrs.get('datasets') or [])
        todo.append(attrs.get('dataset'))


def _find_test_mode(dataset: Any) -> bool:
    return next((bool(inner.test_mode) for inner in walk_datasets(dataset)
                 if hasattr(inner, 'test_mode')), False)


@DATASETS.register_module()
class SkipBadVideos:
    """Wrap any MMAction2 dataset so that a truncated, empty or missing
    video does not end the run.

    Training: a sample whose loading raises (decord errors,
    ``FileNotFoundError``, a failed decode or transform, ...) is replaced by
    another sample, drawn with ``np.random`` like mmengine's own refetch.
    Validation/test (``test_mode`` of the wrapped dataset): nothing is
    dropped; the sample is scored as a blank clip, all-zero inputs with the
    shape of a readable sample's and the sample's own label, so metrics stay
    over all samples. Each data sample concerned carries the file and cause
    in its metainfo (``skipped_videos`` / ``unreadable_video``);
    :class:`~tdn_plugin.engine.hooks.BadVideoHook` names every bad file once
    and logs the counts per epoch (without the hook, the wrapper logs
    warnings itself, once per file and process).

    Example::

        train_dataloader = dict(dataset=dict(
            type='SkipBadVideos',
            dataset=dict(type='VideoDataset', ann_file=..., pipeline=...)))
        custom_hooks = [dict(type='BadVideoHook')]

    Args:
        dataset (BaseDataset or dict): The dataset to wrap, or its config.
        strict (bool): Raise :class:`BadVideoError` naming the file and the
            cause at the first unreadable sample instead. Defaults to False.
        max_consecutive (int): Give up with :class:`BadVideoError` after
            this many unreadable samples in a row. Defaults to 100.
        lazy_init (bool): Defer loading the annotations. Defaults to False.
    """

    def __init__(self,
                 dataset: Union[BaseDataset, dict],
                 strict: bool = False,
                 max_consecutive: int = 100,
                 lazy_init: bool = False) -> None:
        if isinstance(dataset, dict):
            dataset = DATASETS.build(dataset)
        if max_consecutive < 1:
            raise ValueError('max_consecutive must be >= 1')
        self.dataset = dataset
        self.strict = strict
        self.max_consecutive = max_consecutive
        self.test_mode = _find_test_mode(dataset)
        # BadVideoHook sets it False: it reports, from the main process
        self.log_in_worker = True
        self._bad = {}  # idx -> cause, in this process
        self._logged = set()
        self._template = None  # a readable sample, for blank clips
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    # --- pass-through, so that samplers, evaluators and hooks work ----------
    @property
    def metainfo(self) -> dict:
        return copy.deepcopy(self.dataset.metainfo)

    def full_init(self) -> None:
        if self._fully_initialized:
            return
        if hasattr(self.dataset, 'full_init'):
            self.dataset.full_init()
        self._fully_initialized = True

    def get_data_info(self, idx: int) -> dict:
        return self.dataset.get_data_info(idx)

    def __len__(self) -> int:
        return len(self.dataset)

    def __getattr__(self, name: str) -> Any:
        # only called for names not found on the wrapper itself
        if name.startswith('__') or name == 'dataset':
            raise AttributeError(name)
        return getattr(self.dataset, name)

    # --- loading ------------------------------------------------------------
    def video_name(self, idx: int) -> str:
        try:
            return video_name(self.get_data_info(idx), idx)
        except Exception:  # noqa: BLE001  an index that cannot even be read
            return f'sample {idx}'

    def _load(self, idx: int) -> Tuple[Optional[Any], Optional[str]]:
        """(sample, None), or (None, cause) if it cannot be loaded."""
        if idx in self._bad:
            return None, self._bad[idx]
        with decoder_output() as printed:  # decord's lines: one cause
            try:
                data = self.dataset[idx]
            except Exception as error:  # noqa: BLE001  any unreadable one
                name = self.video_name(idx)
                cause = decoder_reason(name, printed.text(), error) \
                    if osp.isfile(name) else describe(error)
                failed = error
            else:
                failed = None
        if failed is not None:
            if self.strict:
                raise BadVideoError(f'cannot load {name}: {cause} '
                                    '(SkipBadVideos strict=True)') from failed
        else:
            if data is not None:
                return data, None
            cause = 'the pipeline returned None'
            if self.strict:
                raise BadVideoError(f'cannot load {self.video_name(idx)}: '
                                    f'{cause} (SkipBadVideos strict=True)')
        self._bad[idx] = cause
        return None, cause

    def _warn(self, name: str, cause: str, action: str,
              reported: bool) -> None:
        """Log in this process unless BadVideoHook gets the report."""
        if (self.log_in_worker or not reported) and \
                name not in self._logged:
            self._logged.add(name)
            MMLogger.get_current_instance().warning(
                f'Unreadable video {name} ({cause}): {action}. (Add '
                "dict(type='BadVideoHook') to custom_hooks to have each "
                'named once and the skips counted per epoch.)')

    @staticmethod
    def _attach(data: Any, key: str, value: Any) -> bool:
        sample = data.get('data_samples') if isinstance(data, dict) else None
        if hasattr(sample, 'set_metainfo'):
            sample.set_metainfo({key: value})
            return True
        return False

    def __getitem__(self, idx: int) -> Any:
        if self.test_mode:
            return self._get_test(idx)
        skipped: List[Tuple[str, str]] = []
        for _ in range(self.max_consecutive):
            data, cause = self._load(idx)
            if data is not None:
                reported = self._attach(data, SKIPPED_KEY, skipped) \
                    if skipped else True
                for name, cause in skipped:
                    self._warn(name, cause, 'skipped, another sample is used',
                               reported)
                return data
            skipped.append((self.video_name(idx), cause))
            idx = np.random.randint(0, len(self))
        for name, cause in skipped:
            self._warn(name, cause, 'skipped', False)
        raise BadVideoError(
            f'{self.max_consecutive} samples in a row could not be loaded, '
            f'the last {skipped[-1][0]} ({skipped[-1][1]}). Check the data '
            'with `tdn check-data CONFIG`.')

    def _get_test(self, idx: int) -> Any:
        data, cause = self._load(idx)
        if data is not None:
            if self._template is None:
                self._template = _zeros_like(data)
            return data
        name = self.video_name(idx)
        blank = self._blank(idx)
        reported = self._attach(blank, UNREADABLE_KEY, (name, cause))
        self._warn(name, cause, 'scored as a blank clip', reported)
        return blank

    def _blank(self, idx: int) -> Any:
        """All-zero inputs shaped like a readable sample, ``idx``'s label."""
        n = len(self)
        for step in range(1, min(n, self.max_consecutive + 1)):
            if self._template is not None:
                break
            data, _ = self._load((idx + step) % n)
            if data is not None:
                self._template = _zeros_like(data)
        if self._template is None:
            raise BadVideoError(
                f'{self.video_name(idx)} is unreadable and so are the samples '
                'after it: no readable sample to shape a blank clip. Check '
                'the data with `tdn check-data CONFIG`.')
        blank = copy.deepcopy(self._template)
        sample = blank.get('data_samples') if isinstance(blank, dict) else None
        label = self.get_data_info(idx).get('label')
        if label is not None and hasattr(sample, 'set_gt_label'):
            sample.set_gt_label(label)
        return blank

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(dataset={type(self.dataset).__name__}'
                f', strict={self.strict}, test_mode={self.test_mode}, '
                f'len={len(self)})')


# The splits whose datasets :func:`wrap_bad_videos` wraps.
DATALOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def wrap_bad_videos(cfg) -> None:
    """Apply a config's ``bad_videos`` setting: wrap the dataset of each
    dataloader in :class:`SkipBadVideos` and add ``BadVideoHook``.

    The shipped configs inherit ``bad_videos = dict(skip=True,
    strict=False, max_consecutive=100)`` from ``configs/_base_/
    bad_videos.py``, so a truncated, empty or missing video is skipped in
    training and scored as a blank clip (and counted) in val/test. The
    wrapping is done here, when a ``tdn`` command loads a config, so that
    the configs keep their plain ``train_dataloader.dataset`` (and its
    ``ann_file``, ``pipeline``... for overrides); the work directory's
    config dump holds the wrapped datasets. A dataset that is already a
    ``SkipBadVideos`` is left as it is; ``skip=False`` (or no
    ``bad_videos``) changes nothing.

    Args:
        cfg (mmengine.Config): The config, changed in place.
    """
    policy = cfg.get('bad_videos')
    if not policy or not policy.get('skip', True):
        return
    options = {k: policy[k] for k in ('strict', 'max_consecutive')
               if k in policy}
    for key in DATALOADERS:
        loader = cfg.get(key)
        dataset = loader.get('dataset') if loader else None
        if not dataset or dataset.get('type') == 'SkipBadVideos':
            continue
        loader['dataset'] = dict(type='SkipBadVideos', dataset=dataset,
                                 **options)
    hooks = list(cfg.get('custom_hooks') or [])
    if not any(h.get('type') == 'BadVideoHook' for h in hooks):
        hooks.append(dict(type='BadVideoHook'))
    cfg.custom_hooks = hooks
