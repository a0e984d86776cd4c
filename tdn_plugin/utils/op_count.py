"""Counting the ATen ops a model runs: each is a kernel call (on a GPU a
launch), whose fixed cost dominates where the work per op is small.

:class:`AtenOpCounter` is a ``TorchDispatchMode`` that counts every op that
reaches the dispatcher's Python key, views and in-place ops included,
forward and backward (the autograd engine runs a CPU backward on the
calling thread, under the mode); optionally per module, by the innermost
module of a chosen set that was running. Counts are deterministic: they
depend on the model, its input's shape and the code, not on the machine's
speed or load.
"""
from collections import Counter
from typing import Callable, Dict, Iterable, Optional, Tuple

import torch
from torch.utils._python_dispatch import TorchDispatchMode


class AtenOpCounter(TorchDispatchMode):
    """Counts the ATen ops run while it is entered.

    ``counts`` maps each op (``aten.add.Tensor`` ...) to its calls;
    ``by_module`` maps a module name to its ops' calls, for the modules
    given by ``modules`` (name -> module), each op attributed to the
    innermost of them running its forward (ops of the backward, which runs
    after the forward hooks, go to ``''``).

    Args:
        modules (Iterable[Tuple[str, nn.Module]], optional): The modules to
            attribute ops to. Defaults to None (no attribution).
    """

    def __init__(self, modules: Optional[Iterable[Tuple[
            str, torch.nn.Module]]] = None) -> None:
        super().__init__()
        self.counts: Counter = Counter()
        self.by_module: Counter = Counter()
        self._stack = ['']
        self._handles = []
        for name, module in modules or ():
            self._handles.append(module.register_forward_pre_hook(
                lambda _m, _i, name=name: self._enter(name)))
            self._handles.append(module.register_forward_hook(
                lambda _m, _i, _o: self._leave()))

    def _enter(self, name: str) -> None:
        self._stack.append(name)

    def _leave(self) -> None:
        self._stack.pop()

    @property
    def total(self) -> int:
        """All ops counted."""
        return sum(self.counts.values())

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.counts[str(func)] += 1
        self.by_module[self._stack[-1]] += 1
        return func(*args, **(kwargs or {}))

    def __exit__(self, *exc):
        for handle in self._handles:
            handle.remove()
        self._handles = []
        return super().__exit__(*exc)


def count_aten_ops(fn: Callable[[], object], **kwargs) -> AtenOpCounter:
    """Run ``fn()`` once under an :class:`AtenOpCounter` (``kwargs`` are
    its arguments); returns the counter."""
    with AtenOpCounter(**kwargs) as counter:
        fn()
    return counter


def ops_per_call(fn: Callable[[], object], warmup: int = 1) -> int:
    """ATen ops of one call of ``fn`` after ``warmup`` calls (lazy
    initialisation, such as optimizer state, is not counted)."""
    for _ in range(warmup):
        fn()
    return count_aten_ops(fn).total


def ops_by_module(fn: Callable[[], object],
                  modules: Dict[str, torch.nn.Module]) -> Dict[str, int]:
    """ATen ops of one call of ``fn`` by module (:class:`AtenOpCounter`'s
    ``by_module``)."""
    return dict(count_aten_ops(fn, modules=modules.items()).by_module)
