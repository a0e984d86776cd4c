import json

from tdn_plugin.cli.main import main


def test_benchmark_runs_side_by_side(tmp_path, capsys):
    """Plumbing only (tiny sizes): every model, the ratio to TSM from the
    same run, the data pipelines. Speed itself is not asserted here."""
    out = tmp_path / 'bench.json'
    assert main(['benchmark', '--size', '32', '--batch', '2',
                 '--train-batch', '1', '--repeats', '1',
                 '--pipeline-videos', '2', '--json', str(out)]) == 0
    result = json.loads(out.read_text())
    names = {r['model'] for r in result['models']}
    assert names == {'tdn', 'gtdnet', 'tsm', 'tsn'}
    tdn = next(r for r in result['models'] if r['model'] == 'tdn')
    assert tdn['frames_per_view'] == 40 and tdn['latency_ms'] > 0
    assert tdn['latency_vs_tsm'] > 0 and tdn['train_step_ms'] > 0
    pipes = {r['pipeline']: r for r in result['pipelines']}
    assert pipes['tdn']['frames_per_clip'] == 40
    assert pipes['tsn']['time_vs_tsn'] == 1.0
    out = capsys.readouterr().out
    assert 'x TSM' in out
    assert 'timed: ' in out and 'minor page faults' in out
    assert tdn['latency_min_ms'] <= tdn['latency_ms'] <= tdn['latency_max_ms']
    assert result['settings']['threads'] >= 1
    assert result['load']['cores'] >= 1
