"""Fixes for the MMAction2 1.2.0 / mmengine 0.10.7 stack as it installs from
PyPI (see docs/host_fixes.md).

The fixes are applied once, on ``import tdn_plugin``, and only where needed:

* The mmaction2 1.2.0 wheel lacks ``mmaction/models/localizers/drn`` (upstream
  issue #2714), so ``import mmaction.models`` fails. When that folder is really
  absent, a placeholder module is put in ``sys.modules``; building a ``DRN``
  from it raises a clear error. A source install keeps its real DRN.
* mmengine's pytorch/slurm launchers call ``torch.cuda.set_device``
  unconditionally; on a machine without CUDA that call is skipped, so
  ``--launcher pytorch`` runs on CPU (gloo).
* torch >= 2.6 loads checkpoints with ``weights_only=True``; mmengine 0.10.7
  does not pass the flag, so its own checkpoints (test, resume, load_from)
  fail on ``HistoryBuffer``. mmengine's checkpoint loaders
  (``CheckpointLoader``'s schemes, which every Runner load goes through)
  are wrapped so that, during their call only, exactly the globals that
  mmengine checkpoints contain are allow-listed
  (``torch.serialization.safe_globals``); any other ``torch.load`` in the
  process is left as torch made it. ``weights_only`` is never switched
  off: a checkpoint that pickles anything else is still refused, and its
  code never runs. A file that is not a checkpoint at all is reported
  with torch's reason.

Nothing else of the process changes: no warning filter, no global
allow-list. :func:`quiet_mmcv_lite` hides mmcv-lite's import warning only
around the plugin's own imports.
"""
import collections
import contextlib
import functools
import importlib.util
import os.path as osp
import pickle
import re
import sys
import types
import warnings
from typing import Iterator

import torch

from tdn_plugin.utils.errors import UserError, one_line
from tdn_plugin.utils.safe_pickle import numpy_globals

_DRN_MODULE = 'mmaction.models.localizers.drn'
_applied = False


def _mmaction_root() -> str | None:
    spec = importlib.util.find_spec('mmaction')
    if spec is None or not spec.submodule_search_locations:
        return None
    return list(spec.submodule_search_locations)[0]


def _missing_drn_placeholder() -> None:
    """Register a placeholder for the wheel's missing DRN localizer."""
    root = _mmaction_root()
    if root is None or _DRN_MODULE in sys.modules:
        return
    if osp.isdir(osp.join(root, 'models', 'localizers', 'drn')):
        return  # a source install (or a fixed wheel) has the real module

    class DRN:  # noqa: D401 - placeholder
        """Placeholder: DRN is missing from the installed mmaction2 wheel."""

        def __init__(self, *args, **kwargs):
            raise ImportError(
                'DRN is not available: the installed mmaction2 wheel lacks '
                'mmaction/models/localizers/drn (upstream issue #2714). '
                'Install mmaction2 from source to use DRN.')

    package = types.ModuleType(_DRN_MODULE)
    package.__path__ = []  # a package, so ``.drn.drn`` resolves
    module = types.ModuleType(_DRN_MODULE + '.drn')
    module.DRN = DRN
    package.drn = module
    package.DRN = DRN
    sys.modules[_DRN_MODULE] = package
    sys.modules[_DRN_MODULE + '.drn'] = module


_HISTORY_BUFFER_STATISTICS = ('min', 'max', 'current', 'mean')


def history_buffer_method(obj, name: str):
    """What mmengine checkpoints need of ``getattr``, and nothing more.

    ``HistoryBuffer`` pickles its statistics methods (functions of the
    class) as ``getattr(HistoryBuffer, 'mean')``. Allow-listing the real
    ``getattr`` would hand a crafted checkpoint any attribute of any loaded
    object; this stand-in, allow-listed under the name ``builtins.getattr``,
    resolves only HistoryBuffer's statistics methods and refuses the rest.
    """
    from mmengine.logging.history_buffer import HistoryBuffer
    if obj is HistoryBuffer and name in _HISTORY_BUFFER_STATISTICS:
        return getattr(obj, name)
    raise pickle.UnpicklingError(
        f'refused getattr({type(obj).__name__}, {name!r}): only '
        'HistoryBuffer statistics methods may be looked up')


def mmengine_checkpoint_globals() -> list:
    """The non-tensor globals that mmengine / MMAction2 checkpoints pickle.

    ``HistoryBuffer`` (the message hub's log scalars) and what it holds:
    numpy arrays, scalars and dtypes
    (:func:`tdn_plugin.utils.safe_pickle.numpy_globals`, numpy 1 and 2
    names), plus ``collections`` containers.
    """
    from mmengine.logging.history_buffer import HistoryBuffer
    return [
        HistoryBuffer,
        (history_buffer_method, 'builtins.getattr'),
        collections.OrderedDict,
        collections.Counter,
        collections.defaultdict,
    ] + [(obj, f'{module}.{name}')
         for (module, name), obj in numpy_globals().items()]


@contextlib.contextmanager
def mmengine_checkpoint_globals_allowed() -> Iterator[None]:
    """Allow-list :func:`mmengine_checkpoint_globals` for the loads inside
    the block only (torch's ``safe_globals``; trap 17: ``add_safe_globals``
    would be process-wide). Entries someone else allowed before are left
    to them, so leaving the block takes away only what it added.
    """
    serialization = torch.serialization
    if not hasattr(serialization, 'safe_globals'):  # torch < 2.5
        yield
        return
    present = serialization.get_safe_globals()
    added = [g for g in mmengine_checkpoint_globals() if g not in present]
    with serialization.safe_globals(added):
        yield


class CheckpointRefusedError(UserError, pickle.UnpicklingError):
    """A checkpoint pickles code or objects that are not plain data."""


class CheckpointReadError(UserError, pickle.UnpicklingError):
    """A file that torch cannot read as a checkpoint at all.

    What the loaders raise is an instance of :func:`checkpoint_read_error`
    of the original error's type, so that it is also caught as what torch
    raised before (``except EOFError``, ``except RuntimeError``, ...).
    """

    __str__ = Exception.__str__  # KeyError's would quote the message


_READ_ERRORS: dict = {}


def checkpoint_read_error(original: type) -> type:
    """The :class:`CheckpointReadError` that is also an ``original`` (made
    once per type): mmengine's loaders raised ``original`` before the
    plugin, and a user's ``except`` of it must still catch the error.

    Args:
        original (type): The exception type torch raised.

    Returns:
        type: A subclass of :class:`CheckpointReadError` and ``original``
        (:class:`CheckpointReadError` itself where they cannot be mixed).
    """
    if issubclass(CheckpointReadError, original):
        return CheckpointReadError
    if original not in _READ_ERRORS:
        try:
            kind = type('CheckpointReadError',  # named as the base class
                        (CheckpointReadError, original),
                        dict(__module__=__name__,
                             __str__=Exception.__str__,
                             __doc__=f'A :class:`CheckpointReadError` '
                             f'that torch raised as {original.__name__}.'))
        except TypeError:  # a layout that cannot be mixed in
            kind = CheckpointReadError
        _READ_ERRORS[original] = kind
    return _READ_ERRORS[original]


def _torch_reason(error: BaseException) -> str:
    """What torch says is wrong with a file, on one line."""
    found = re.search(r'WeightsUnpickler error:\s*(\S.*)', str(error))
    if found:
        return found.group(1).strip()
    if isinstance(error, (pickle.UnpicklingError, RuntimeError)):
        return one_line(error)
    text = str(error).strip()
    return f'{type(error).__name__}: {text}' if text else \
        type(error).__name__


def _is_unreadable(error: BaseException) -> bool:
    """What ``torch.load`` raises for a file that is no checkpoint:
    unpickling errors, an empty or cut file, a broken zip archive."""
    return isinstance(error, (pickle.UnpicklingError, EOFError, KeyError)) \
        or (isinstance(error, RuntimeError)
            and 'PytorchStreamReader' in str(error))


def _load_safely(load):
    """Wrap an mmengine checkpoint loader: mmengine's globals allowed
    during the call; a refused checkpoint or an unreadable file reported
    as such, instead of torch's advice to turn safety off."""

    @functools.wraps(load)
    def wrapped(filename, map_location=None, *args, **kwargs):
        try:
            with mmengine_checkpoint_globals_allowed():
                return load(filename, map_location, *args, **kwargs)
        except (CheckpointRefusedError, CheckpointReadError):
            raise
        except Exception as err:  # noqa: BLE001  sorted below
            if not _is_unreadable(err):
                raise
            found = re.search(r'GLOBAL (\S+)', str(err))
            if found is None:
                raise checkpoint_read_error(type(err))(
                    f'cannot read {filename!r} as a torch checkpoint: '
                    f'{_torch_reason(err)}') from err
            raise CheckpointRefusedError(
                f'Refusing to load checkpoint {filename!r}: it pickles '
                f'{found.group(1)}, which is not tensor data nor anything an '
                'mmengine checkpoint contains. Loading it could run '
                'arbitrary code, so it was not loaded.') from None

    return wrapped


def _wrap_checkpoint_loaders() -> None:
    from mmengine.runner.checkpoint import CheckpointLoader
    for prefix, load in list(CheckpointLoader._schemes.items()):
        if not getattr(load, '__wrapped__', None):
            CheckpointLoader._schemes[prefix] = _load_safely(load)


def _without_cuda_set_device(init):
    """Run an mmengine launcher init with torch.cuda.set_device as a no-op:
    mmengine calls it unconditionally, which fails on a CPU-only torch."""

    @functools.wraps(init)
    def wrapped(*args, **kwargs):
        if torch.cuda.is_available():
            return init(*args, **kwargs)
        set_device = torch.cuda.set_device
        torch.cuda.set_device = lambda device: None
        try:
            return init(*args, **kwargs)
        finally:
            torch.cuda.set_device = set_device

    return wrapped


def _cpu_distributed_launch() -> None:
    from mmengine.dist import utils
    for name in ('_init_dist_pytorch', '_init_dist_slurm'):
        init = getattr(utils, name, None)
        if init is not None and not hasattr(init, '__wrapped__'):
            setattr(utils, name, _without_cuda_set_device(init))


@contextlib.contextmanager
def quiet_mmcv_lite() -> Iterator[None]:
    """Hide, inside the block only, the warning mmcv-lite gives on import
    (it has no ``mmcv.ops``; 2D recognizers do not need them)."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            'ignore',
            message='Fail to import ``MultiScaleDeformableAttention``')
        yield


def apply() -> None:
    """Apply the fixes once; later calls do nothing."""
    global _applied
    if _applied:
        return
    _missing_drn_placeholder()
    _wrap_checkpoint_loaders()
    _cpu_distributed_launch()
    _applied = True
