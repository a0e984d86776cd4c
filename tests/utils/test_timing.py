"""The side-by-side timer's fairness rule and the thread policy (what is
measured is never asserted to be fast or slow)."""
import pytest
import torch

import tdn_plugin.utils.timing as timing_module
from tdn_plugin.utils.timing import (
    PAUSE_S,
    LoadMonitor,
    Timing,
    inference_task,
    instruction_sets,
    machine_info,
    onednn_isa,
    paired_ratios,
    profile_side_by_side,
    set_threads,
    time_side_by_side,
    usable_cpus,
)


def test_models_take_turns_in_a_shuffled_order():
    calls = []
    tasks = {name: (lambda name=name: calls.append(name))
             for name in 'abcd'}
    timings = time_side_by_side(tasks, rounds=6, warmup=1)
    assert len(calls) == 4 * 7
    rounds = [calls[i:i + 4] for i in range(0, len(calls), 4)]
    assert all(sorted(r) == list('abcd') for r in rounds)
    assert len({tuple(r) for r in rounds}) > 1  # the order changes
    for timing in timings.values():
        assert len(timing.seconds) == len(timing.cpu_seconds) == 6
        assert timing.min_ms <= timing.median_ms <= timing.max_ms
        assert timing.json()['cpu_median_ms'] >= 0


def test_each_task_starts_after_an_untimed_pause(monkeypatch):
    """The pause (another runtime's spinning threads settle) comes before
    every call, warm-up included, and is not in the timings."""
    events = []
    monkeypatch.setattr(timing_module.time, 'sleep',
                        lambda s: events.append(('pause', s)))
    tasks = {name: (lambda name=name: events.append(('call', name)))
             for name in 'ab'}
    time_side_by_side(tasks, rounds=2, warmup=1)
    assert [kind for kind, _ in events] == ['pause', 'call'] * 6
    assert {s for kind, s in events if kind == 'pause'} == {PAUSE_S}
    events.clear()
    time_side_by_side(tasks, rounds=1, warmup=0, pause_s=0)
    assert ('pause', 0) in events


def test_paired_ratios_are_round_by_round():
    """A slow spell (round 2) slows both tasks of the round: the ratio of
    that pair stays, while the medians of the two mix other moments."""
    task = Timing([0.110, 0.220, 0.110])
    reference = Timing([0.100, 0.200, 0.100])
    assert paired_ratios(task.seconds, reference.seconds) == [
        pytest.approx(1.1)] * 3
    assert task.json()['rounds_ms'] == [110.0, 220.0, 110.0]


def test_thread_policy_is_explicit(monkeypatch):
    threads = torch.get_num_threads()
    try:
        assert set_threads(1) == '1 CPU thread (--threads)'
        monkeypatch.setenv('OMP_NUM_THREADS', '1')
        assert set_threads() == '1 CPU thread (OMP_NUM_THREADS)'
        monkeypatch.delenv('OMP_NUM_THREADS')
        note = set_threads()
        assert torch.get_num_threads() == usable_cpus()
        assert note.endswith('(all cores)')
    finally:
        torch.set_num_threads(threads)


def test_load_monitor_reads_the_machine():
    with LoadMonitor() as load:
        sum(i * i for i in range(200_000))
    data = load.json()
    assert data['cores'] >= 1
    if data['other_busy_cpus'] is not None:  # Linux
        assert data['other_busy_cpus'] >= 0
    warning = load.warning(threshold=-1.0)  # always "busy" at -1
    assert warning.startswith('machine busy: ')


def test_inference_task_runs_backbone_and_head_in_inference_mode():
    seen = []

    class Recognizer(torch.nn.Module):

        def extract_feat(self, inputs, stage, test_mode):
            seen.append((torch.is_inference_mode_enabled(), stage, test_mode,
                         inputs))

    x = torch.zeros(1, 2, 3, 4, 4)
    task = inference_task(Recognizer(), x)
    task()
    task()
    assert len(seen) == 2
    assert seen[0][:3] == (True, 'head', True)
    assert seen[0][3] is seen[1][3] is x  # one input, made once


def test_machine_info_says_cpu_capability_and_onednn_isa(monkeypatch):
    info = machine_info()
    assert info['cpu_capability'] == torch.backends.cpu.get_cpu_capability()
    isa = onednn_isa()
    assert info['onednn_isa'] == isa
    if torch.backends.mkldnn.is_available():
        assert isa  # e.g. 'Intel AVX2'
    assert onednn_isa() == isa  # read once, kept
    onednn_isa.cache_clear()
    monkeypatch.setattr(torch.backends.mkldnn, 'is_available', lambda: False)
    assert onednn_isa() is None
    onednn_isa.cache_clear()


def test_machine_info_says_whether_the_cpu_has_avx512():
    try:
        with open('/proc/cpuinfo') as f:
            flags = next((line.split(':', 1)[1].split() for line in f
                          if line.startswith('flags')), None)
    except OSError:
        flags = None
    if flags is None:
        pytest.skip('no CPU flags in /proc/cpuinfo')
    assert machine_info()['cpu_has_avx512'] == ('avx512f' in flags)


@pytest.mark.parametrize('capability, has_avx512, emulated', [
    ('AVX2', True, True), ('AVX512', True, False), ('AVX2', False, False),
    ('AVX2', None, False)])
def test_instruction_sets_line_says_when_they_are_emulated(
        capability, has_avx512, emulated):
    machine = dict(cpu_capability=capability, onednn_isa='Intel AVX2')
    if has_avx512 is not None:
        machine['cpu_has_avx512'] = has_avx512
    line = instruction_sets(machine)
    assert line.startswith(
        f'CPU capability: {capability}; oneDNN ISA: Intel AVX2')
    assert ('emulated: this CPU has AVX-512' in line) == emulated


def test_profile_splits_time_by_part_and_kind_of_op():
    """Each part counts the modules inside it; each op's own time goes to
    one kind; the tasks take turns; hooks are removed afterwards."""
    conv = torch.nn.Conv2d(3, 8, 3)
    pool = torch.nn.MaxPool2d(2)
    linear = torch.nn.Linear(8, 4)
    stage = torch.nn.Sequential(conv, torch.nn.ReLU(), pool)
    x = torch.randn(2, 3, 16, 16)
    calls = []

    def task():
        calls.append('net')
        with torch.inference_mode():
            linear(stage(x).mean((2, 3)))

    def other():
        calls.append('other')
        with torch.inference_mode():
            pool(x)

    found = profile_side_by_side(
        {'net': task, 'other': other},
        {'net': {'stage': [stage], 'conv': [conv], 'linear': [linear]}},
        rounds=2)
    assert sorted(calls) == ['net'] * 3 + ['other'] * 3  # 1 warm-up round
    net = found['net']
    assert set(net['ops']) == {'convolutions', 'matrix products',
                               'pooling', 'other ops'}
    assert net['ops']['convolutions'] > 0 and net['ops']['pooling'] > 0
    assert net['ops']['matrix products'] > 0  # the linear's addmm
    assert net['total_ms'] > 0
    parts = net['parts']
    assert parts['stage'] >= parts['conv'] > 0 and parts['linear'] > 0
    assert found['other']['parts'] == {}
    assert found['other']['ops']['convolutions'] == 0
    assert found['other']['ops']['pooling'] > 0
    for module in (stage, conv, linear):
        assert not module._forward_hooks and not module._forward_pre_hooks


def test_op_kinds_are_aten_ops_by_name():
    kind = {name: next((k for k, pattern in timing_module.OP_KINDS
                        if pattern.search(name)), 'other ops')
            for name in ('aten::mkldnn_convolution', 'aten::conv2d',
                         'aten::_slow_conv2d_forward', 'aten::bmm',
                         'aten::max_pool2d_with_indices', 'aten::mul',
                         'TemporalConv', 'aten::sigmoid_')}
    assert kind == {
        'aten::mkldnn_convolution': 'convolutions',
        'aten::conv2d': 'convolutions',
        'aten::_slow_conv2d_forward': 'convolutions',
        'aten::bmm': 'matrix products',
        'aten::max_pool2d_with_indices': 'pooling',
        'aten::mul': 'other ops', 'TemporalConv': 'other ops',
        'aten::sigmoid_': 'other ops'}
