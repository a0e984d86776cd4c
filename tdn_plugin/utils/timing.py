"""One side-by-side timer, one fairness rule, one thread policy, one timed
inference task.

Used by ``tdn compare``/``tdn demo`` (latency per view of the trained
models) and ``tdn benchmark`` (R50 models at paper scale).

- Fairness: all models are timed in one process, round after round, each
  model once per round in a freshly shuffled order (seeded), so a change of
  machine load hits all of them alike and no model always runs right after
  another. Min, median and max over the rounds are kept.
- Threads: the caller's number, else ``OMP_NUM_THREADS``, else every CPU
  this process may use. Never chosen from a momentary load reading (a busy
  second at start must not halve a whole run); the load is measured and
  reported instead, with a warning when other work competes for the CPUs.
- What is timed is said: batch, input size, threads, device, mode, and on
  CPU the capability PyTorch's kernels and oneDNN ran with.
- Inference is timed by :func:`inference_task`, under
  ``torch.inference_mode`` on one input made once.
"""
import functools
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import (
    Callable,
    Dict,
    Iterable,
    Iterator,
    List,
    Optional,
    Sequence,
    Tuple,
)

import torch

PAUSE_S = 0.05  # untimed, before each timed task (see time_side_by_side)


@dataclass
class Timing:
    """Seconds of one task over the timed rounds: wall time, and the CPU
    time of this process (all its threads) during the task. On a machine
    that other work keeps busy, the wall time grows with the waiting and
    the CPU time much less (with one thread it is the task's own work)."""

    seconds: List[float] = field(default_factory=list)
    cpu_seconds: List[float] = field(default_factory=list)

    @property
    def min_ms(self) -> float:
        return 1000 * min(self.seconds)

    @property
    def median_ms(self) -> float:
        return 1000 * statistics.median(self.seconds)

    @property
    def max_ms(self) -> float:
        return 1000 * max(self.seconds)

    @property
    def cpu_median_ms(self) -> Optional[float]:
        if not self.cpu_seconds:
            return None
        return 1000 * statistics.median(self.cpu_seconds)

    def json(self) -> dict:
        cpu = self.cpu_median_ms
        return dict(min_ms=round(self.min_ms, 2),
                    median_ms=round(self.median_ms, 2),
                    max_ms=round(self.max_ms, 2),
                    rounds=len(self.seconds),
                    rounds_ms=[round(1000 * s, 2) for s in self.seconds],
                    cpu_median_ms=None if cpu is None else round(cpu, 2),
                    cpu_rounds_ms=[round(1000 * s, 2)
                                   for s in self.cpu_seconds])


def paired_ratios(seconds: Sequence[float],
                  reference: Sequence[float]) -> List[float]:
    """Per-round ratios of two tasks timed side by side (round i of one
    against round i of the other): a slow spell of the machine slows both
    members of a pair, so their ratio spreads less than the ratio of two
    medians taken over different moments.

    Args:
        seconds (Sequence[float]): One task's rounds.
        reference (Sequence[float]): The other's, same rounds.

    Returns:
        list[float]: The ratios, in round order.
    """
    return [a / b for a, b in zip(seconds, reference)]


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity), else the machine's."""
    if hasattr(os, 'sched_getaffinity'):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def set_threads(threads: Optional[int] = None) -> str:
    """Set PyTorch's CPU threads by the one policy and say what was chosen.

    Args:
        threads (int, optional): Threads asked for. Defaults to None:
            ``OMP_NUM_THREADS`` if set, else all usable CPUs.

    Returns:
        str: E.g. ``'2 CPU threads (all cores)'``.
    """
    if threads:
        why = '--threads'
    elif os.environ.get('OMP_NUM_THREADS', '').isdigit():
        threads, why = int(os.environ['OMP_NUM_THREADS']), 'OMP_NUM_THREADS'
    else:
        threads, why = usable_cpus(), 'all cores'
    torch.set_num_threads(threads)
    return f'{threads} CPU thread{"s" if threads > 1 else ""} ({why})'


def _cpu_jiffies() -> Optional[tuple]:
    """(busy, total) jiffies of all CPUs from /proc/stat, or None."""
    try:
        with open('/proc/stat') as f:
            values = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return sum(values) - idle, sum(values)


def _minor_faults() -> Optional[int]:
    """Minor page faults of this process so far (None off Unix)."""
    try:
        import resource
    except ImportError:
        return None
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


class LoadMonitor:
    """CPUs kept busy by OTHER processes while a block runs: the machine's
    busy time from ``/proc/stat`` minus this process's own CPU time
    (``os.times``), over the wall time. Also the 1-minute load average at
    start and end, and this process's own system time and minor page
    faults (where the kernel time of a CPU run comes from: glibc's malloc
    hands large activation buffers back to the kernel after each forward
    and faults them in again on the next one).

    Example:
        >>> with LoadMonitor() as load:
        ...     work()
        >>> load.warning()  # None, or 'machine busy: ...'
    """

    def __init__(self) -> None:
        self.cores = os.cpu_count() or 1
        self.other_busy_cpus: Optional[float] = None
        self.loadavg_start: Optional[float] = None
        self.loadavg_end: Optional[float] = None
        self.own_cpu_s: Optional[float] = None
        self.own_system_s: Optional[float] = None
        self.minor_page_faults: Optional[int] = None

    @staticmethod
    def _loadavg() -> Optional[float]:
        try:
            return os.getloadavg()[0]
        except OSError:
            return None

    def __enter__(self) -> 'LoadMonitor':
        self.loadavg_start = self._loadavg()
        self._jiffies = _cpu_jiffies()
        times = os.times()
        self._own = times.user + times.system
        self._sys = times.system
        self._faults = _minor_faults()
        self._wall = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        wall = time.perf_counter() - self._wall
        times = os.times()
        own = times.user + times.system - self._own
        self.own_cpu_s = own
        self.own_system_s = times.system - self._sys
        faults = _minor_faults()
        if faults is not None and self._faults is not None:
            self.minor_page_faults = faults - self._faults
        self.loadavg_end = self._loadavg()
        end = _cpu_jiffies()
        if self._jiffies is None or end is None or wall <= 0:
            return
        ticks = os.sysconf('SC_CLK_TCK') if hasattr(os, 'sysconf') else 100
        busy = (end[0] - self._jiffies[0]) / ticks
        self.other_busy_cpus = max(0.0, (busy - own) / wall)

    def warning(self, threshold: float = 0.5) -> Optional[str]:
        """A one-line warning when other work kept more than ``threshold``
        CPUs busy (or, without /proc/stat, the load average exceeded the
        threads in use by that much), else None."""
        if self.other_busy_cpus is not None:
            if self.other_busy_cpus > threshold:
                return (f'machine busy: other processes kept '
                        f'{self.other_busy_cpus:.1f} of {self.cores} cores '
                        'busy while timing; figures are unreliable')
            return None
        load = self.loadavg_end
        if load is not None and load > torch.get_num_threads() + threshold:
            return (f'machine busy: load {load:.1f} on {self.cores} cores; '
                    'figures are unreliable')
        return None

    @staticmethod
    def text(load: dict) -> str:
        """One line of a :meth:`json` record, for a benchmark's printout."""
        return (f'while timing: other processes kept '
                f'{load.get("other_busy_cpus")} CPUs busy; this process: '
                f'{load.get("own_cpu_s")} s CPU of which '
                f'{load.get("own_system_s")} s in the kernel, '
                f'{load.get("minor_page_faults")} minor page faults')

    def json(self) -> dict:
        return dict(
            other_busy_cpus=None if self.other_busy_cpus is None else round(
                self.other_busy_cpus, 2),
            loadavg_start=self.loadavg_start,
            loadavg_end=self.loadavg_end,
            cores=self.cores,
            own_cpu_s=None if self.own_cpu_s is None else round(
                self.own_cpu_s, 2),
            own_system_s=None if self.own_system_s is None else round(
                self.own_system_s, 2),
            minor_page_faults=self.minor_page_faults)


def time_side_by_side(tasks: Dict[str, Callable[[], None]],
                      rounds: int,
                      warmup: int = 1,
                      seed: int = 0,
                      device: str = 'cpu',
                      pause_s: float = PAUSE_S) -> Dict[str, Timing]:
    """Time each task ``rounds`` times, the tasks taking turns in a
    shuffled order each round (see the module docstring).

    Each task starts after an untimed pause: a runtime's worker threads
    spin on after its call returns (ONNX Runtime's do by default), and
    without the pause they compete with the next task's threads and slow
    it (the figures are in the changelog's runtime benchmarks).

    Args:
        tasks (dict): name -> a callable doing one timed unit of work.
        rounds (int): Timed rounds.
        warmup (int): Untimed rounds first. Defaults to 1.
        seed (int): Seed of the order. Defaults to 0.
        device (str): ``'cuda'`` synchronises around each call. Defaults to
            ``'cpu'``.
        pause_s (float): Untimed pause before each task. Defaults to
            :data:`PAUSE_S`.

    Returns:
        dict: name -> :class:`Timing`.
    """
    sync = torch.cuda.synchronize if device == 'cuda' else (lambda: None)
    timings = {name: Timing() for name in tasks}
    for name, measured in _turns(tasks, rounds, warmup, seed):
        sync()
        time.sleep(pause_s)
        start, cpu = time.perf_counter(), time.process_time()
        tasks[name]()
        sync()
        if measured:
            timings[name].seconds.append(time.perf_counter() - start)
            timings[name].cpu_seconds.append(time.process_time() - cpu)
    return timings


def _turns(names: Iterable[str], rounds: int, warmup: int,
           seed: int) -> Iterator[Tuple[str, bool]]:
    """The turns of side-by-side tasks: each round every name once, in a
    shuffled order (seeded), ``warmup`` unmeasured rounds first; yields
    (name, measured)."""
    order, shuffle = list(names), random.Random(seed).shuffle
    for round_index in range(warmup + rounds):
        shuffle(order)
        for name in order:
            yield name, round_index >= warmup


def inference_task(model: torch.nn.Module,
                   inputs: torch.Tensor) -> Callable[[], None]:
    """One timed unit of eager inference: ``model``'s backbone and head on
    ``inputs`` (N, frames, 3, H, W), the tensor made once by the caller.

    The call runs under ``torch.inference_mode``, not ``no_grad``: its
    tensors carry no version counters or views' autograd metadata, and
    reusing one input (a fresh tensor per call faults its pages in
    again) keeps the timing on the network.

    Args:
        model (nn.Module): A recognizer (``extract_feat``), in eval mode;
            fuse it first (``tdn_plugin.models.fuse_for_inference``) to
            time its inference form.
        inputs (torch.Tensor): Its input.

    Returns:
        Callable[[], None]: The task.
    """

    def task() -> None:
        with torch.inference_mode():
            model.extract_feat(inputs, stage='head', test_mode=True)

    return task


# what limits the instruction set CPU kernels use (to emulate an AVX2
# machine on an AVX-512 one): PyTorch reads the first two, OpenVINO's CPU
# plugin oneDNN's, ONNX Runtime none of them
ISA_LIMITS = ('ATEN_CPU_CAPABILITY', 'ONEDNN_MAX_CPU_ISA', 'DNNL_MAX_CPU_ISA')


# kinds of ATen ops of a profile, by their name (the first that matches;
# an autograd Function's own event, e.g. TemporalConv's, is an 'other op')
OP_KINDS = (('convolutions', re.compile(r'^aten::\w*conv')),
            ('matrix products',
             re.compile(r'^aten::(mm|bmm|addmm|baddbmm|matmul|linear)$')),
            ('pooling', re.compile(r'^aten::\w*pool')))
PART = 'part: '  # the label of a profiled part


def profile_side_by_side(tasks: Dict[str, Callable[[], None]],
                         parts: Dict[str, Dict[str, List[torch.nn.Module]]],
                         rounds: int,
                         warmup: int = 1,
                         seed: int = 0) -> Dict[str, dict]:
    """Where each task's time goes, under ``torch.profiler`` (CPU), the
    tasks taking turns as in :func:`time_side_by_side` (one profiled call
    each per round, in a shuffled order, after an untimed pause): the time
    of each part (the modules of a label, with everything they call) and
    the ops' own time by kind (:data:`OP_KINDS`, the rest as 'other ops':
    element-wise ops, copies, dispatch): each the median over the rounds,
    in ms.

    The profiler slows ops by a few percent: compare the figures with each
    other and with another task's of the same run, not with
    :func:`time_side_by_side`'s.

    Args:
        tasks (dict): name -> a callable doing one unit of work (e.g.
            :func:`inference_task`).
        parts (dict): name -> label -> the modules whose calls (forward,
            the modules inside included) count for the label; labels of
            one task must not nest in themselves.
        rounds (int): Profiled rounds.
        warmup (int): Unprofiled rounds first. Defaults to 1.
        seed (int): Seed of the order. Defaults to 0.

    Returns:
        dict: name -> ``parts`` (label -> ms), ``ops`` (kind -> ms),
        ``total_ms`` (the ops' own time, all kinds), medians over the
        rounds (a part's, a kind's and the total each its own median).
    """
    from torch.autograd.profiler import record_function
    from torch.profiler import ProfilerActivity, profile

    open_ranges = []

    def enter(label: str, module, args) -> None:
        open_ranges.append(record_function(PART + label).__enter__())

    def leave(module, args, output) -> None:
        open_ranges.pop().__exit__(None, None, None)

    handles = [hook for labels in parts.values()
               for label, modules in labels.items() for module in modules
               for hook in (module.register_forward_pre_hook(
                   functools.partial(enter, label)),
                            module.register_forward_hook(leave))]
    calls = {name: [] for name in tasks}
    try:
        for name, measured in _turns(tasks, rounds, warmup, seed):
            time.sleep(PAUSE_S)
            if not measured:
                tasks[name]()
                continue
            with profile(activities=[ProfilerActivity.CPU]) as prof:
                tasks[name]()
            calls[name].append(_split(prof.key_averages(),
                                      parts.get(name, {})))
    finally:
        for handle in handles:
            handle.remove()
    found = {}
    for name, split in calls.items():
        found[name] = {group: {key: statistics.median(
            call[group][key] for call in split) for key in split[0][group]}
            for group in ('parts', 'ops')}
        found[name]['total_ms'] = statistics.median(
            sum(call['ops'].values()) for call in split)
    return found


def _split(events, labels: Dict[str, list]) -> dict:
    """One profiled call's events: ms of each part, and the ops' own ms by
    kind."""
    kinds = [kind for kind, _ in OP_KINDS] + ['other ops']
    split = dict(parts=dict.fromkeys(labels, 0.0),
                 ops=dict.fromkeys(kinds, 0.0))
    for event in events:
        if event.key.startswith(PART):
            split['parts'][event.key[len(PART):]] += \
                event.cpu_time_total / 1000
            continue
        kind = next((k for k, pattern in OP_KINDS
                     if pattern.search(event.key)), 'other ops')
        split['ops'][kind] += event.self_cpu_time_total / 1000
    return split


def isa_limits() -> Dict[str, str]:
    """The instruction-set limits set in the environment
    (:data:`ISA_LIMITS`), name -> value."""
    return {name: os.environ[name] for name in ISA_LIMITS
            if os.environ.get(name)}


@functools.lru_cache(maxsize=None)
def onednn_isa() -> Optional[str]:
    """The instruction set oneDNN dispatches its CPU kernels for (its
    verbose line ``isa:...``, e.g. ``'Intel AVX2'``; ``ONEDNN_MAX_CPU_ISA``
    lowers it), or None where oneDNN does not say. Read once a process
    (oneDNN prints the line once)."""
    if not torch.backends.mkldnn.is_available():
        return None
    sys.stdout.flush()
    with tempfile.TemporaryFile() as captured:
        saved = os.dup(1)  # oneDNN prints from C to the stdout descriptor
        os.dup2(captured.fileno(), 1)
        try:
            with torch.backends.mkldnn.verbose(
                    torch.backends.mkldnn.VERBOSE_ON), torch.no_grad():
                torch.nn.functional.conv2d(  # large enough for oneDNN
                    torch.zeros(1, 64, 28, 28), torch.zeros(64, 64, 3, 3))
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        captured.seek(0)
        found = re.search(r'cpu,isa:([^\n]*)',
                          captured.read().decode(errors='replace'))
    return found.group(1).strip() if found else None


def instruction_sets(machine: dict) -> str:
    """One line: the CPU capability and oneDNN ISA of a
    :func:`machine_info`, and whether they are an emulation (below the
    AVX-512 the CPU has)."""
    emulated = machine.get('cpu_has_avx512') and machine.get(
        'cpu_capability') not in (None, 'AVX512')
    return (f'CPU capability: {machine.get("cpu_capability")}; oneDNN ISA: '
            f'{machine.get("onednn_isa")}'
            + (' (emulated: this CPU has AVX-512)' if emulated else ''))


def package_versions() -> Dict[str, str]:
    """Versions of the packages that make the numbers."""
    from importlib import metadata
    versions = {'python': platform.python_version()}
    for name in ('torch', 'mmengine', 'mmcv', 'mmcv-lite', 'mmaction2',
                 'numpy', 'decord'):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def machine_info(device: str = 'cpu') -> dict:
    """CPU model, cores, PyTorch threads, the CPU capability PyTorch's
    kernels run with and the ISA oneDNN uses, whether the CPU itself has
    AVX-512 (Linux; a capability below it is an emulation), and the GPU on
    CUDA."""
    info = dict(cpu=platform.processor() or platform.machine(),
                cores=os.cpu_count(), usable_cores=usable_cpus(),
                threads=torch.get_num_threads(), device=device,
                cpu_capability=torch.backends.cpu.get_cpu_capability(),
                onednn_isa=onednn_isa())
    try:
        with open('/proc/cpuinfo') as f:
            fields = dict(line.split(':', 1) for line in f.read().split(
                '\n\n')[0].splitlines() if ':' in line)
    except OSError:
        fields = {}
    fields = {key.strip(): value.strip() for key, value in fields.items()}
    if 'model name' in fields:
        info['cpu'] = (f'{fields["model name"]} (family '
                       f'{fields.get("cpu family")}, model '
                       f'{fields.get("model")})')
    if 'flags' in fields:  # what the CPU has, whatever the kernels run
        info['cpu_has_avx512'] = 'avx512f' in fields['flags'].split()
    if device == 'cuda':
        info['gpu'] = torch.cuda.get_device_name()
    return info
