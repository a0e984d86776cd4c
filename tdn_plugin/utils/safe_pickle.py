"""Reading result pickles (``tdn test --dump``, MMAction2's DumpResults)
without running code from them."""
import codecs
import collections
import io
import pickle
from typing import Any, Dict, Tuple

import numpy as np
import torch


def _tensor_from_bytes(data: bytes):
    # torch's own _load_from_bytes loads with weights_only=False
    return torch.load(io.BytesIO(data), weights_only=True)


def numpy_globals() -> Dict[Tuple[str, str], Any]:
    """What numpy arrays, scalars and dtypes pickle as: (module, name) ->
    the object, under numpy 1 (``numpy.core``) and numpy 2
    (``numpy._core``) names, and numpy >= 1.25's ``numpy.dtypes`` classes.
    The one list of numpy globals that result pickles here and mmengine
    checkpoints (:func:`tdn_plugin.compat.mmengine_checkpoint_globals`) may
    hold."""
    found = {('numpy', 'ndarray'): np.ndarray, ('numpy', 'dtype'): np.dtype}
    for module in ('numpy.core.multiarray', 'numpy._core.multiarray'):
        found[(module, '_reconstruct')] = np.ndarray.__reduce__(
            np.zeros(1))[0]
        found[(module, 'scalar')] = np.float64(0).__reduce__()[0]
    dtypes = getattr(np, 'dtypes', None)
    for name in dir(dtypes) if dtypes is not None else ():
        cls = getattr(dtypes, name)
        if isinstance(cls, type) and issubclass(cls, np.dtype):
            found[('numpy.dtypes', name)] = cls
    return found


_ALLOWED = {
    ('torch._utils', '_rebuild_tensor_v2'): torch._utils._rebuild_tensor_v2,
    ('torch.storage', '_load_from_bytes'): _tensor_from_bytes,
    ('collections', 'OrderedDict'): collections.OrderedDict,
    ('_codecs', 'encode'): codecs.encode,  # bytes in protocol 2
    ('builtins', 'set'): set,
    ('builtins', 'frozenset'): frozenset,
    **numpy_globals(),
}


class _RestrictedUnpickler(pickle.Unpickler):

    def find_class(self, module: str, name: str):
        if (module, name) in _ALLOWED:
            return _ALLOWED[(module, name)]
        if module == 'torch' and isinstance(getattr(torch, name, None),
                                            torch.dtype):
            return getattr(torch, name)
        raise pickle.UnpicklingError(
            f'refusing {module}.{name}: a results file holds data only')


def load_results(path: str):
    """Load a results pickle, refusing anything but tensors, arrays and
    plain containers."""
    with open(path, 'rb') as f:
        return _RestrictedUnpickler(f).load()
