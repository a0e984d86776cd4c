import json

import pytest

from tdn_plugin.cli.main import main, run
from tdn_plugin.utils.errors import UsageError


@pytest.mark.slow
def test_benchmark_runs_side_by_side(tmp_path, capsys):
    """Plumbing only (tiny sizes): every model, each ratio computed from the
    figures of the same run, the data pipelines over the number of videos
    asked for. Speed itself is never asserted."""
    out = tmp_path / 'bench.json'
    assert main(['benchmark', '--size', '32', '--batch', '2',
                 '--train-batch', '1', '--repeats', '2',
                 '--pipeline-videos', '2', '--profile', '--json',
                 str(out)]) == 0
    result = json.loads(out.read_text())
    rows = {r['model']: r for r in result['rows']}
    assert set(rows) == {'tdn', 'gtdnet', 'tsm', 'tsn'}
    assert {r['backend'] for r in result['rows']} == {'torch'}
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
    # the CPU capability and oneDNN's ISA it ran with
    machine = result['machine']
    assert machine['cpu_capability'] in printed
    assert f'oneDNN ISA: {machine["onednn_isa"]}' in printed
    assert 'fuse_for_inference' in result['settings']['mode']
    tdn, tsm = rows['tdn'], rows['tsm']
    assert tdn['latency_min_ms'] <= tdn['latency_ms'] <= tdn['latency_max_ms']
    # round by round against TSM, from the rounds of the same run
    for kind in ('latency', 'train'):
        pairs = [a / b for a, b in zip(tdn[f'{kind}_rounds_ms'],
                                       tsm[f'{kind}_rounds_ms'])]
        assert tdn[f'{kind}_vs_tsm_rounds']['median'] == pytest.approx(
            sum(pairs) / 2, rel=0.02)
    assert 'latency x TSM round by round: median' in printed
    # ATen ops, eager, counted (deterministic), with their ratios to TSM
    for row in rows.values():
        assert row['inference_ops'] > 0 and row['train_ops'] > 0
        assert row['train_ops_vs_tsm'] == pytest.approx(
            row['train_ops'] / tsm['train_ops'])
    assert tdn['inference_ops'] > tsm['inference_ops']
    assert 'ops/inference' in printed and 'ops/train step' in printed
    assert result['settings']['threads'] >= 1
    assert result['load']['cores'] >= 1
    # --profile: each model's parts and kinds of ops, ratios to TSM printed
    profile = result['profile']
    assert set(profile) == set(rows)
    assert profile['tdn']['parts']['short_term_tdm'] > 0
    assert profile['tsm']['ops']['convolutions'] > 0
    assert 'profile (torch.profiler' in printed
    assert 'part: FusedLongTermTDM' in printed and 'tdn x TSM' in printed


def test_cuda_with_runtimes_is_a_usage_error(capsys):
    """Runtimes run on the CPU: asking for them on CUDA is a usage error
    (or CUDA is missing), one line, exit 1."""
    argv = ['benchmark', '--device', 'cuda', '--backends', 'onnxruntime']
    with pytest.raises(UsageError):
        main(argv)
    assert run(argv) == 1
    assert capsys.readouterr().err.count('\n') == 1


def test_profile_of_the_runtimes_alone_is_a_usage_error(capsys):
    """--profile profiles eager PyTorch: without it, one line, exit 1."""
    argv = ['benchmark', '--backends', 'onnxruntime', '--profile']
    with pytest.raises(UsageError, match='--profile'):
        main(argv)
    assert run(argv) == 1
    assert capsys.readouterr().err.count('\n') == 1


@pytest.mark.parametrize('argv, problem', [
    (['--variants', 'cudagraphs'], '--device cuda'),
    (['--variants', 'compiled', '--backends', 'onnxruntime'],
     'add torch to --backends'),
])
def test_compiled_variant_arguments(argv, problem, capsys):
    """CUDA graphs need CUDA; compiling needs PyTorch among the backends:
    one line, exit 1, before any model is built."""
    argv = ['benchmark', *argv]
    with pytest.raises(UsageError, match=problem):
        main(argv)
    assert run(argv) == 1
    assert capsys.readouterr().err.count('\n') == 1


def test_compiled_without_a_cpp_compiler_is_one_line(monkeypatch, capsys):
    from torch._inductor import config as inductor_config
    monkeypatch.setattr(inductor_config.cpp, 'cxx', ('no-such-c++', ))
    monkeypatch.setattr('torch.cuda.is_available', lambda: False)
    assert run(['benchmark', '--variants', 'compiled']) == 1
    err = capsys.readouterr().err
    assert err.count('\n') == 1 and 'C++ compiler' in err


@pytest.mark.slow
def test_compiled_variant_side_by_side(monkeypatch):
    """Plumbing of --variants compiled (TorchDynamo with its eager backend
    here, to keep the test short; inductor in a real run): compile
    seconds, latency and training step of TDN and TSM compiled the same
    way, ratios to compiled TSM; no op counts (those are eager)."""
    from tdn_plugin.apis import benchmark
    monkeypatch.setitem(benchmark.COMPILED_VARIANTS, 'compiled',
                        dict(backend='eager'))
    result = benchmark.benchmark_models(
        ['tdn', 'tsm'], variants=['fp32', 'compiled'], size=32, batch=1,
        train_batch=1, repeats=1, warmup=0)
    rows = {(r['model'], r['backend']): r for r in result['rows']}
    assert set(rows) == {('tdn', 'torch'), ('tsm', 'torch'),
                         ('tdn', 'torch-compiled'), ('tsm', 'torch-compiled')}
    tdn, tsm = rows['tdn', 'torch-compiled'], rows['tsm', 'torch-compiled']
    for row in (tdn, tsm):
        assert row['latency_compile_s'] > 0 and row['train_compile_s'] > 0
        assert 'inference_ops' not in row
    assert tdn['latency_vs_tsm'] == pytest.approx(
        tdn['latency_ms'] / tsm['latency_ms'])
    assert tdn['train_vs_tsm'] == pytest.approx(
        tdn['train_step_ms'] / tsm['train_step_ms'])
    assert rows['tdn', 'torch']['inference_ops'] > 0
