"""tdn benchmark's helpers (its runs are in tests/cli/test_benchmark.py)."""
from tdn_plugin.apis.benchmark import train_rates


def test_train_rates_from_the_fastest_training_step():
    rows = [dict(model='tdn', backend='torch', train_step_ms=100.0,
                 train_batch=8),
            dict(model='tdn', backend='torch-amp', train_step_ms=50.0,
                 train_batch=8),
            dict(model='tdn', backend='onnxruntime'),
            dict(model='tsm', backend='torch', train_step_ms=40.0,
                 train_batch=8)]
    assert train_rates(rows) == dict(tdn=160.0, tsm=200.0)
