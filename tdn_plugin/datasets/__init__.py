"""Datasets, transforms and the toy motion generator.

The registered parts (``SkipBadVideos``, ``TDNSampleFrames``,
``DecordWalkDecode``, ``PerturbFrameIndices``) are imported
by :func:`tdn_plugin.register_all_modules`; here they load on first use, so
that the toy generator (:mod:`.toy_motion`) imports without torch or
MMAction2 (``tdn make-toy-data --help`` stays instant).
"""
import importlib

_LAZY = {
    'BadVideoError': '.skip_bad_videos',
    'DecordWalkDecode': '.transforms',
    'SkipBadVideos': '.skip_bad_videos',
    'PerturbFrameIndices': '.transforms',
    'TDNSampleFrames': '.transforms',
}

__all__ = list(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
