"""docs/benchmarks/avx2only.c: a process under it sees an AVX2 CPU.

The library that docs/benchmarks.md measures emulated-AVX2 figures with
(every library's kernels, ONNX Runtime's and oneMKL's too) is built and
preloaded into a Python that reports what PyTorch, oneDNN and oneMKL
dispatch for. Skipped where it cannot run: no C compiler, or a CPU or
kernel without CPUID faulting.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / 'docs/benchmarks/avx2only.c'
REPORT = '''
import faulthandler, os, sys
import torch
from tdn_plugin.utils.timing import machine_info
faulthandler.enable()  # installs a SIGSEGV handler: kept behind the library's
info = machine_info()
print(info['cpu_capability'], '|', info['onednn_isa'], '|',
      info['cpu_has_avx512'], '|', torch.backends.mkl.is_available())
os.environ['MKL_VERBOSE'] = '1'
torch.mm(torch.ones(64, 64), torch.ones(64, 64))
'''


def _cpu_flags() -> set:
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('flags'):
                    return set(line.split(':', 1)[1].split())
    except OSError:
        pass
    return set()


@pytest.fixture(scope='module')
def library(tmp_path_factory) -> Path:
    compiler = shutil.which('gcc') or shutil.which('cc')
    if compiler is None:
        pytest.skip('no C compiler')
    if sys.platform != 'linux' or 'cpuid_fault' not in _cpu_flags():
        pytest.skip('no CPUID faulting on this machine')
    out = tmp_path_factory.mktemp('avx2only') / 'avx2only.so'
    subprocess.run([compiler, '-O2', '-shared', '-fPIC', '-o', str(out),
                    str(SOURCE), '-ldl'], check=True)
    return out


def _report(preload: Path = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, OMP_NUM_THREADS='1')
    for name in ('ATEN_CPU_CAPABILITY', 'ONEDNN_MAX_CPU_ISA',
                 'DNNL_MAX_CPU_ISA', 'MKL_VERBOSE'):
        env.pop(name, None)
    if preload:
        env['LD_PRELOAD'] = str(preload)
    return subprocess.run([sys.executable, '-c', REPORT], env=env,
                          capture_output=True, text=True, timeout=300)


def test_every_library_sees_avx2(library):
    run = _report(library)
    assert run.returncode == 0, run.stderr
    capability, isa, has_avx512, mkl = (
        part.strip() for part in run.stdout.splitlines()[0].split('|'))
    assert capability == 'AVX2'
    assert isa == 'Intel AVX2'
    # the machine's own flags (/proc/cpuinfo) still say what it has
    assert has_avx512 == str('avx512f' in _cpu_flags())
    if mkl == 'True':
        assert 'Intel(R) AVX2' in run.stdout
        assert 'AVX-512' not in run.stdout


def test_the_real_capability_without_it(library):
    if 'avx512f' not in _cpu_flags():
        pytest.skip('this CPU has no AVX-512: nothing to hide')
    run = _report()
    assert run.returncode == 0, run.stderr
    assert run.stdout.split('|')[0].strip() == 'AVX512'


def test_a_real_fault_still_ends_the_process(library):
    """A segmentation fault that is not a cpuid reaches the program's own
    handler (faulthandler's traceback) and ends the process."""
    env = dict(os.environ, LD_PRELOAD=str(library))
    run = subprocess.run(
        [sys.executable, '-X', 'faulthandler', '-c',
         'import ctypes; ctypes.string_at(0)'], env=env,
        capture_output=True, text=True, timeout=60)
    assert run.returncode == -11
    assert 'Fatal Python error: Segmentation fault' in run.stderr
