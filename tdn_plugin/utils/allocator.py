"""Keeping freed memory in the process (glibc's malloc), for CPU runs.

PyTorch on CPU allocates its large activation buffers with glibc's malloc.
By default glibc serves each large block with a fresh ``mmap`` and returns
it to the kernel on ``free``, so every forward pass faults its activations
in again, page by page: on small CPUs a large share of the CPU time then
goes to the kernel in page faults, and more so for the model with more
transient buffers (see docs/benchmarks.md and the changelog). Serving
large blocks from the heap and not trimming it keeps the pages mapped
between passes (the same effect as the ``MALLOC_MMAP_MAX_=0
MALLOC_TRIM_THRESHOLD_=...`` environment variables, or jemalloc/tcmalloc,
which PyTorch's CPU tuning guide recommends).
"""
import ctypes
import ctypes.util
import os
import sys

# mallopt parameters, from glibc's malloc.h
_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4
_DISABLE = 'TDN_KEEP_FREED_MEMORY'


def keep_freed_memory() -> bool:
    """Ask glibc's malloc to keep freed memory mapped (heap only, no trim).

    Does nothing where the C library is not glibc, or when the environment
    variable ``TDN_KEEP_FREED_MEMORY=0`` says so. Peak memory is unchanged
    (what a pass frees is reused by the next one); the process simply does
    not hand it back to the kernel until it ends.

    Returns:
        bool: Whether the setting was applied.
    """
    if os.environ.get(_DISABLE, '1') == '0' or not sys.platform.startswith(
            'linux'):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library('c') or 'libc.so.6')
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl, ...)
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return bool(mallopt(_M_MMAP_MAX, 0)) and bool(
        mallopt(_M_TRIM_THRESHOLD, 2**31 - 1))
