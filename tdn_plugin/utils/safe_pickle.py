"""Reading result pickles (``tdn test --dump``, MMAction2's DumpResults)
without running code from them."""
import codecs
import collections
import io
import pickle

import numpy as np
import torch


def _tensor_from_bytes(data: bytes):
    # torch's own _load_from_bytes loads with weights_only=False
    return torch.load(io.BytesIO(data), weights_only=True)


_ALLOWED = {
    ('torch._utils', '_rebuild_tensor_v2'): torch._utils._rebuild_tensor_v2,
    ('torch.storage', '_load_from_bytes'): _tensor_from_bytes,
    ('collections', 'OrderedDict'): collections.OrderedDict,
    ('_codecs', 'encode'): codecs.encode,  # bytes in protocol 2
    ('builtins', 'set'): set,
    ('builtins', 'frozenset'): frozenset,
    ('numpy', 'ndarray'): np.ndarray,
    ('numpy', 'dtype'): np.dtype,
}
for _module in ('numpy.core.multiarray', 'numpy._core.multiarray'):
    _ALLOWED[(_module, '_reconstruct')] = np.ndarray.__reduce__(
        np.zeros(1))[0]
    _ALLOWED[(_module, 'scalar')] = np.float64(0).__reduce__()[0]


class _RestrictedUnpickler(pickle.Unpickler):

    def find_class(self, module: str, name: str):
        if (module, name) in _ALLOWED:
            return _ALLOWED[(module, name)]
        if module == 'torch' and isinstance(getattr(torch, name, None),
                                            torch.dtype):
            return getattr(torch, name)
        if module.startswith('numpy.dtypes'):
            cls = getattr(np.dtypes, name, None)
            if isinstance(cls, type) and issubclass(cls, np.dtype):
                return cls
        raise pickle.UnpicklingError(
            f'refusing {module}.{name}: a results file holds data only')


def load_results(path: str):
    """Load a results pickle, refusing anything but tensors, arrays and
    plain containers."""
    with open(path, 'rb') as f:
        return _RestrictedUnpickler(f).load()
