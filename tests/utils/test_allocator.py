import subprocess
import sys

import pytest

CODE = '''
import resource, sys
if sys.argv[1] == "keep":
    from tdn_plugin.utils.allocator import keep_freed_memory
    assert keep_freed_memory()
import numpy as np
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    a = np.ones(8 << 20)  # 64 MiB, freed at the next assignment
    del a
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
'''


@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='glibc')
def test_freed_memory_is_not_faulted_in_again():
    """Without the setting, each 64 MiB buffer is a fresh mmap whose pages
    fault in again (about 11k faults here, with transparent huge pages);
    with it, the pages stay mapped (about 500)."""
    faults = {
        mode: int(subprocess.run([sys.executable, '-c', CODE, mode],
                                 capture_output=True, text=True,
                                 check=True).stdout)
        for mode in ('default', 'keep')
    }
    assert faults['keep'] * 5 < faults['default']


def test_can_be_switched_off(monkeypatch):
    from tdn_plugin.utils.allocator import keep_freed_memory
    monkeypatch.setenv('TDN_KEEP_FREED_MEMORY', '0')
    assert keep_freed_memory() is False
