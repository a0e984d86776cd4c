"""mmengine's Runner that applies a config's ``bad_videos`` policy."""
import copy

from mmaction.registry import RUNNERS
from mmengine.runner import Runner

from tdn_plugin.datasets.skip_bad_videos import wrap_bad_videos


@RUNNERS.register_module()
class BadVideoRunner(Runner):
    """mmengine's :class:`~mmengine.runner.Runner`, built from a config
    whose ``bad_videos`` setting is applied first
    (:func:`~tdn_plugin.datasets.skip_bad_videos.wrap_bad_videos`: every
    dataloader's dataset wrapped in ``SkipBadVideos``, ``BadVideoHook``
    added).

    The shipped configs name it (``runner_type = 'BadVideoRunner'`` in
    ``configs/_base_/bad_videos.py``), so MMAction2's own
    ``tools/train.py`` and ``tools/test.py``, which build ``runner_type``
    from the registry, skip unreadable videos just as the ``tdn`` commands
    do. Nothing else of the Runner changes. It is registered in
    MMAction2's runner scope (``mmaction.registry.RUNNERS``), not in
    mmengine's root registry.
    """

    @classmethod
    def from_cfg(cls, cfg) -> 'BadVideoRunner':
        cfg = copy.deepcopy(cfg)
        wrap_bad_videos(cfg)
        return super().from_cfg(cfg)
