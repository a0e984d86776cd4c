"""Fixes for the MMAction2 1.2.0 / mmengine 0.10.7 stack as it installs from
PyPI today (see README, "Host framework").

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
  fail on ``HistoryBuffer``. We allow-list exactly the globals that mmengine
  checkpoints contain. ``weights_only`` is never switched off: a checkpoint
  that pickles anything else is still refused, and its code never runs.
"""
import collections
import functools
import importlib.util
import os.path as osp
import pickle
import re
import sys
import types
import warnings

import numpy as np
import torch

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
    numpy arrays, scalars and dtypes, plus ``collections`` containers. The
    numpy reconstructors are listed under both their numpy 1 (``numpy.core``)
    and numpy 2 (``numpy._core``) names, so checkpoints written with either
    load.
    """
    from mmengine.logging.history_buffer import HistoryBuffer

    reconstruct = np.ndarray.__reduce__(np.zeros(1))[0]
    scalar = np.float64(0).__reduce__()[0]
    entries = [
        HistoryBuffer,
        (history_buffer_method, 'builtins.getattr'),
        np.ndarray,
        np.dtype,
        collections.OrderedDict,
        collections.Counter,
        collections.defaultdict,
    ]
    for obj in (reconstruct, scalar):
        entries.append(obj)
        for prefix in ('numpy.core.multiarray', 'numpy._core.multiarray'):
            entries.append((obj, f'{prefix}.{obj.__name__}'))
    # numpy >= 1.25 pickles dtypes as instances of numpy.dtypes.*DType
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        for name in dir(dtypes):
            cls = getattr(dtypes, name)
            if isinstance(cls, type) and issubclass(cls, np.dtype):
                entries.append(cls)
    return entries


def _allow_mmengine_checkpoints() -> None:
    add_safe_globals = getattr(torch.serialization, 'add_safe_globals', None)
    if add_safe_globals is None:  # torch < 2.4 has no weights-only default
        return
    add_safe_globals(mmengine_checkpoint_globals())


class CheckpointRefusedError(pickle.UnpicklingError):
    """A checkpoint pickles code or objects that are not plain data."""


def _refuse_clearly(load):
    """Wrap an mmengine checkpoint loader so that a refused checkpoint is
    reported as such, instead of torch's advice to turn safety off."""

    @functools.wraps(load)
    def wrapped(filename, map_location=None, *args, **kwargs):
        try:
            return load(filename, map_location, *args, **kwargs)
        except pickle.UnpicklingError as err:
            if isinstance(err, CheckpointRefusedError):
                raise
            found = re.search(r'GLOBAL (\S+)', str(err))
            what = found.group(1) if found else 'an object that is not data'
            raise CheckpointRefusedError(
                f'Refusing to load checkpoint {filename!r}: it pickles '
                f'{what}, which is not tensor data nor anything an mmengine '
                'checkpoint contains. Loading it could run arbitrary code, '
                'so it was not loaded.') from None

    return wrapped


def _clear_refusal_messages() -> None:
    from mmengine.runner.checkpoint import CheckpointLoader
    for prefix, load in list(CheckpointLoader._schemes.items()):
        if not getattr(load, '__wrapped__', None):
            CheckpointLoader._schemes[prefix] = _refuse_clearly(load)


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


def apply() -> None:
    """Apply the fixes once; later calls do nothing."""
    global _applied
    if _applied:
        return
    # mmcv-lite has no mmcv.ops; 2D recognizers do not need them
    warnings.filterwarnings(
        'ignore', message='Fail to import ``MultiScaleDeformableAttention``')
    _missing_drn_placeholder()
    _allow_mmengine_checkpoints()
    _clear_refusal_messages()
    _cpu_distributed_launch()
    _applied = True
