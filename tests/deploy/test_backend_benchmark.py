"""Backends side by side (timing is reported, never asserted)."""
import pytest

from tdn_plugin.apis.benchmark import benchmark_models


@pytest.mark.slow
def test_backends_side_by_side_with_ratios_to_eager_tsm(tmp_path,
                                                       monkeypatch):
    # read by PyTorch at start only: here it just asks for the note below
    monkeypatch.setenv('ATEN_CPU_CAPABILITY', 'avx2')
    result = benchmark_models(['tsm'], backends=('torch', 'onnxruntime'),
                              size=32, batch=2, repeats=1, warmup=0,
                              train=False, folder=str(tmp_path))
    rows = {(r['model'], r['backend']): r for r in result['rows']}
    assert set(rows) == {('tsm', 'torch'), ('tsm', 'onnxruntime')}
    assert rows['tsm', 'torch']['latency_vs_tsm_torch'] == 1.0
    ort = rows['tsm', 'onnxruntime']
    assert ort['latency_vs_own_torch'] == ort['latency_vs_tsm_torch'] > 0
    assert ort['latency_vs_tsm'] == 1.0  # against TSM on its own backend
    assert ort['throughput_clips_per_s'] > 0
    assert 'train_step_ms' not in ort
    assert (tmp_path / 'tsm.onnx').is_file()  # kept in the folder asked
    # how busy the machine was while timing is measured
    assert 'other_busy_cpus' in result['load']
    # which runtime the limit holds for is said
    assert result['settings']['runtime_isa'].startswith(
        'ATEN_CPU_CAPABILITY=avx2 set: PyTorch follows')
