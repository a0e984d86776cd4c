"""Backends side by side (timing is reported, never asserted)."""
import pytest

from tdn_plugin.deploy.benchmark import benchmark_backends, format_backends


@pytest.mark.slow
def test_backends_side_by_side_with_ratios_to_eager_tsm(tmp_path):
    result = benchmark_backends(models=('tsm', ), backends=(
        'torch', 'onnxruntime'), size=32, batch=2, repeats=1, warmup=0,
                                threads=1, folder=str(tmp_path))
    rows = {(r['model'], r['backend']): r for r in result['rows']}
    assert set(rows) == {('tsm', 'torch'), ('tsm', 'onnxruntime')}
    assert rows['tsm', 'torch']['latency_vs_tsm_torch'] == 1.0
    ort = rows['tsm', 'onnxruntime']
    assert ort['latency_vs_own_torch'] == ort['latency_vs_tsm_torch'] > 0
    assert ort['throughput_clips_per_s'] > 0
    # ONNX Runtime's optimised graph is kept next to the exported one
    assert (tmp_path / 'tsm.ort-optimized.onnx').is_file()
    # how busy the machine was while timing is measured and printed
    assert 'other_busy_cpus' in result['load']
    table = format_backends(result)
    assert 'onnxruntime' in table and 'x TSM torch' in table
    assert 'while timing: other processes kept' in table
