import json

import pytest

from tdn_plugin.cli.main import main


@pytest.mark.slow
def test_benchmark_runs_side_by_side(tmp_path, capsys):
    """Plumbing only (tiny sizes): every model, each ratio computed from the
    figures of the same run, the data pipelines over the number of videos
    asked for. Speed itself is never asserted."""
    out = tmp_path / 'bench.json'
    assert main(['benchmark', '--size', '32', '--batch', '2',
                 '--train-batch', '1', '--repeats', '1',
                 '--pipeline-videos', '2', '--json', str(out)]) == 0
    result = json.loads(out.read_text())
    rows = {r['model']: r for r in result['models']}
    assert set(rows) == {'tdn', 'gtdnet', 'tsm', 'tsn'}
    # frames per view, counted from the built models: T x 5 for TDN
    assert {m: r['frames_per_view'] for m, r in rows.items()} == dict(
        tdn=40, gtdnet=8, tsm=8, tsn=8)
    for row in rows.values():
        assert row['latency_ms'] > 0 and row['train_step_ms'] > 0
        assert row['latency_vs_tsm'] == pytest.approx(
            row['latency_ms'] / rows['tsm']['latency_ms'])
        assert row['train_vs_tsm'] == pytest.approx(
            row['train_step_ms'] / rows['tsm']['train_step_ms'])
        assert row['throughput_clips_per_s'] > 0
    assert result['settings']['pipeline_videos'] == 2
    pipes = {r['pipeline']: r for r in result['pipelines']}
    assert {p: r['frames_per_clip'] for p, r in pipes.items()} == dict(
        tdn=40, tsn=8)
    for row in pipes.values():
        assert row['ms_per_clip'] * row['clips_per_s'] == pytest.approx(
            1000)
        assert row['time_vs_tsn'] == pytest.approx(
            row['ms_per_clip'] / pipes['tsn']['ms_per_clip'])
    printed = capsys.readouterr().out
    assert 'x TSM' in printed
    assert f'{rows["tdn"]["latency_vs_tsm"]:.3f}' in printed
    assert 'timed: ' in printed and 'minor page faults' in printed
    tdn = rows['tdn']
    assert tdn['latency_min_ms'] <= tdn['latency_ms'] <= tdn['latency_max_ms']
    # round by round against TSM, from the rounds of the same run
    pairs = [a / b for a, b in zip(tdn['latency_rounds_ms'],
                                   rows['tsm']['latency_rounds_ms'])]
    assert tdn['latency_vs_tsm_rounds']['median'] == pytest.approx(
        sorted(pairs)[len(pairs) // 2])
    assert 'x TSM round by round: median' in printed
    assert result['settings']['threads'] >= 1
    assert result['load']['cores'] >= 1
