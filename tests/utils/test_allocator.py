import subprocess
import sys

import pytest

# resident memory kept after a 64 MiB buffer is freed
CODE = '''
import sys
if sys.argv[1] == "keep":
    from tdn_plugin.utils.allocator import keep_freed_memory
    assert keep_freed_memory()
import numpy as np
def resident():
    return int(open("/proc/self/statm").read().split()[1]) * 4096
before = resident()
buffer = np.ones(8 << 20)
del buffer
print((resident() - before) >> 20)
'''


@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='glibc')
@pytest.mark.slow
def test_freed_memory_stays_mapped():
    """By default glibc unmaps a freed 64 MiB buffer (the next pass faults
    its pages in again); with the setting the pages stay in the process."""
    kept_mib = {
        mode: int(subprocess.run([sys.executable, '-c', CODE, mode],
                                 capture_output=True, text=True,
                                 check=True).stdout)
        for mode in ('default', 'keep')
    }
    assert kept_mib['default'] < 8
    assert kept_mib['keep'] >= 60


def test_can_be_switched_off(monkeypatch):
    from tdn_plugin.utils.allocator import keep_freed_memory
    monkeypatch.setenv('TDN_KEEP_FREED_MEMORY', '0')
    assert keep_freed_memory() is False
