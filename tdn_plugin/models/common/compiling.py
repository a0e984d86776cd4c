"""The speed forms' writes into strided buffers, in a form that
``torch.compile`` traces.

The inference forms write results straight into channels-last or sliced
buffers with ``out=`` (one pass, no temporary). TorchDynamo cannot trace an
``out=`` tensor that is not NCHW-contiguous (it breaks the graph there), so
while compiling the same result is computed and copied in, which inductor
fuses into one kernel; eager runs keep the ``out=`` form.
"""
from typing import Callable

import torch


def is_compiling() -> bool:
    """Whether TorchDynamo is tracing the caller (``torch.compile``,
    ``torch._dynamo.explain``, ``torch.export``)."""
    return torch.compiler.is_compiling()


def write_into(out: torch.Tensor, op: Callable[..., torch.Tensor], *args,
               **kwargs) -> torch.Tensor:
    """``op(*args, **kwargs, out=out)``: in eager written straight into
    ``out`` (any strides); while compiling computed, then copied into
    ``out`` (traceable for a non-contiguous ``out``). Returns ``out``."""
    if is_compiling():
        return out.copy_(op(*args, **kwargs))
    return op(*args, **kwargs, out=out)
