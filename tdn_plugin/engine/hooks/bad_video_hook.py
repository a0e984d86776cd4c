"""Logging the videos that :class:`~tdn_plugin.datasets.SkipBadVideos`
skipped (training) or scored as blank clips (validation/test), and
listing them in the work directory (:data:`UNREADABLE_FILE`)."""
import json
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

from mmaction.registry import HOOKS
from mmengine.dist import all_gather_object, is_main_process
from mmengine.hooks import Hook

from tdn_plugin.datasets.skip_bad_videos import (
    SKIPPED_KEY,
    UNREADABLE_KEY,
    SkipBadVideos,
    walk_datasets,
)

Report = Tuple[str, str]  # (file, cause)
# in the work dir: {split: {file: cause}} of the run's unreadable videos
UNREADABLE_FILE = 'unreadable_videos.json'


def read_unreadable(work_dir: str) -> Dict[str, Dict[str, str]]:
    """The unreadable videos a run listed in ``work_dir`` (split -> file
    -> cause); empty where it listed none.

    Args:
        work_dir (str): The run's work directory.

    Returns:
        dict: Split -> {file: cause}, splits with a video only.
    """
    path = osp.join(work_dir, UNREADABLE_FILE)
    if not osp.isfile(path):
        return {}
    with open(path) as f:
        return {split: files for split, files in json.load(f).items()
                if files}


def _wrappers(dataset) -> List[SkipBadVideos]:
    """The SkipBadVideos inside a (possibly wrapped) dataset."""
    return [inner for inner in walk_datasets(dataset)
            if isinstance(inner, SkipBadVideos)]


def _reports(data_batch, key: str) -> List[Report]:
    samples = data_batch.get('data_samples') if isinstance(
        data_batch, dict) else None
    found = []
    for sample in samples or []:
        value = sample.metainfo.get(key) if hasattr(sample,
                                                    'metainfo') else None
        if value and key == SKIPPED_KEY:
            found.extend(tuple(v) for v in value)
        elif value:
            found.append(tuple(value))
    return found


def _listing(reports: Sequence[Report]) -> str:
    return ', '.join(f'{name} ({cause})' for name, cause in reports)


@HOOKS.register_module()
class BadVideoHook(Hook):
    """Name the unreadable videos met by ``SkipBadVideos``, once each, and
    count them per epoch.

    Training: every unreadable video is named (with its cause) once per
    run, the first epoch it is met, and each epoch ends with the number of
    samples that were replaced by another sample. Validation/test: the
    number of unreadable videos, that they were scored as blank clips
    (metrics are over all samples), and which they were. Counts are
    gathered over all ranks; dataloader workers report through the data
    samples' metainfo, so any ``num_workers`` and start method work.
    The run's unreadable videos, by split, are kept in
    ``WORK_DIR/unreadable_videos.json`` (:func:`read_unreadable`).

    Args:
        max_listed (int): Name at most this many files in one message.
            Defaults to 50.
    """

    priority = 'NORMAL'

    def __init__(self, max_listed: int = 50) -> None:
        self.max_listed = max_listed
        self._named = set()
        self._seen = {'train': [], 'eval': []}
        self._listed: Dict[str, Dict[str, str]] = {}

    def _list(self, runner, split: str, reports: Sequence[Report]) -> None:
        """Add ``reports`` to the work dir's list of unreadable videos."""
        files = self._listed.setdefault(split, {})
        for name, cause in reports:
            files.setdefault(name, cause)
        if is_main_process():
            with open(osp.join(runner.work_dir, UNREADABLE_FILE), 'w') as f:
                json.dump(self._listed, f, indent=2)

    def before_train(self, runner) -> None:
        self._listed = {}  # a list of an earlier training goes
        self._list(runner, 'train', [])

    def before_test(self, runner) -> None:
        listed = self._listed or self._read(runner)
        listed.pop('test', None)  # the splits trained and validated stay
        self._listed = listed
        self._list(runner, 'test', [])

    @staticmethod
    def _read(runner) -> Dict[str, Dict[str, str]]:
        return read_unreadable(runner.work_dir)

    def _take_over(self, dataloader) -> None:
        # the wrapper leaves the logging to this hook (set before the
        # workers of the epoch start, so they inherit it)
        for wrapper in _wrappers(getattr(dataloader, 'dataset', None)):
            wrapper.log_in_worker = False

    def _gathered(self, phase: str) -> List[Report]:
        seen, self._seen[phase] = self._seen[phase], []
        return [r for part in all_gather_object(seen) for r in part]

    def _names(self, reports: Sequence[Report]) -> str:
        text = _listing(reports[:self.max_listed])
        more = len(reports) - self.max_listed
        return text + (f' and {more} more' if more > 0 else '')

    # --- training -------------------------------------------------------
    def before_train_epoch(self, runner) -> None:
        self._take_over(runner.train_dataloader)
        self._seen['train'] = []

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        reports = _reports(data_batch, SKIPPED_KEY)
        self._seen['train'].extend(reports)
        new = {}
        for name, cause in reports:
            if name not in self._named:
                new.setdefault(name, cause)
        for name, cause in new.items():
            self._named.add(name)
            runner.logger.warning(
                f'Unreadable training video {name} ({cause}): skipped, '
                'another sample was used in its place.')

    def after_train_epoch(self, runner) -> None:
        reports = self._gathered('train')
        new = {}
        for name, cause in reports:  # named on other ranks only
            if name not in self._named:
                new.setdefault(name, cause)
        self._named.update(new)
        self._list(runner, 'train', reports)
        distinct = len({name for name, _ in reports})
        epoch = runner.epoch + 1
        if not reports:
            runner.logger.info(f'Epoch {epoch}: no training samples skipped '
                               '(all videos read).')
            return
        text = (f'Epoch {epoch}: skipped {len(reports)} training sample(s) '
                f'whose video could not be read ({distinct} distinct '
                'video(s), named in the log when first met); another sample '
                'was used in place of each.')
        if new:
            text += (' Unreadable on other ranks: '
                     f'{self._names(list(new.items()))}.')
        runner.logger.warning(text)

    # --- validation / test ----------------------------------------------
    def before_val_epoch(self, runner) -> None:
        self._take_over(runner.val_loop.dataloader)
        self._seen['eval'] = []

    def before_test_epoch(self, runner) -> None:
        self._take_over(runner.test_loop.dataloader)
        self._seen['eval'] = []

    def after_val_iter(self, runner, batch_idx, data_batch=None,
                       outputs=None) -> None:
        self._seen['eval'].extend(_reports(data_batch, UNREADABLE_KEY))

    after_test_iter = after_val_iter

    def _eval_summary(self, runner, dataloader, mode: str) -> None:
        reports = sorted(set(self._gathered('eval')))
        if reports:
            self._list(runner, mode, reports)
        total = len(dataloader.dataset)
        if not reports:
            runner.logger.info(f'All {total} {mode} videos were read.')
            return
        runner.logger.warning(
            f'{len(reports)} of {total} {mode} videos were unreadable and '
            'were scored as blank clips (all-zero input, their own label; '
            f'the metrics are over all {total} videos): '
            f'{self._names(reports)}.')

    def after_val_epoch(self, runner, metrics=None) -> None:
        self._eval_summary(runner, runner.val_loop.dataloader, 'val')

    def after_test_epoch(self, runner, metrics=None) -> None:
        self._eval_summary(runner, runner.test_loop.dataloader, 'test')
