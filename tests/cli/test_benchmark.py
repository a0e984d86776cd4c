import json

import pytest

from tdn_plugin.cli.main import main, run
from tdn_plugin.utils.errors import UsageError


@pytest.mark.slow
def test_benchmark_runs_side_by_side(tmp_path, capsys):
    """Plumbing only (tiny sizes): every model, each ratio computed from the
    figures of the same run, the data pipelines over the clips asked for.
    Speed itself is never asserted."""
    out = tmp_path / 'bench.json'
    assert main(['benchmark', '--size', '32', '--batch', '2',
                 '--train-batch', '1', '--repeats', '2',
                 '--pipeline-videos', '1', '--pipeline-seconds', '0.4',
                 '--pipeline-gops', '4', '--pipelines', 'tdn-train',
                 'tsm-train', '--decoders', 'stock', 'walk', '--train-rate',
                 '30', '--profile', '--json', str(out)]) == 0
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
    assert result['settings']['pipeline_videos'] == 1
    data = result['data_pipelines']
    assert data['clip_sets']['short gop 4']['identical_frames'] is True
    pipes = {(r['pipeline'], r['decoder']): r for r in data['rows']}
    assert {p: r['frames_per_clip'] for p, r in pipes.items()} == {
        ('tdn-train', 'stock'): 40, ('tdn-train', 'walk'): 40,
        ('tsm-train', 'stock'): 8, ('tsm-train', 'walk'): 8}
    for (name, _), row in pipes.items():
        assert row['ms_per_clip'] * row['clips_per_s'] == pytest.approx(
            1000)
        assert row['time_vs_stock'] == pytest.approx(
            row['ms_per_clip'] / pipes[name, 'stock']['ms_per_clip'])
        assert row['workers'] == max(1, -(-30 // row['clips_per_s']))
    printed = capsys.readouterr().out
    assert 'clips/s/worker' in printed and 'x stock' in printed
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


@pytest.mark.parametrize('options, message', [
    (['--train-rate', '0'], '--train-rate'),
    (['--pipeline-gops', '0'], '--pipeline-gops'),
    (['--pipeline-clips', 'no/such.mp4'], 'no/such.mp4'),
])
def test_bad_data_pipeline_options_are_one_line(options, message, capsys):
    argv = ['benchmark', '--pipelines-only'] + options
    assert run(argv) == 1
    err = capsys.readouterr().err
    assert err.count('\n') == 1 and message in err


@pytest.mark.slow
def test_data_pipelines_alone_on_given_videos(tiny_videos, tmp_path, capsys):
    """--pipelines-only on the user's videos: no model timed."""
    out = tmp_path / 'data.json'
    assert main(['benchmark', '--pipelines-only', '--pipeline-clips',
                 str(tiny_videos / '000.mp4'), '--pipelines', 'tdn-test-1x1',
                 '--decoders', 'stock', 'walk', 'rawframes', '--repeats',
                 '1', '--json', str(out)]) == 0
    result = json.loads(out.read_text())
    assert result['rows'] == []
    data = result['data_pipelines']
    assert list(data['clip_sets']) == ['given videos']
    assert {r['decoder'] for r in data['rows']} == {'stock', 'walk',
                                                   'rawframes'}
    assert 'tdn-test-1x1' in capsys.readouterr().out


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
    monkeypatch.setattr('torch.cuda.is_available', lambda: False)
    with inductor_config.patch({'cpp.cxx': ('no-such-c++', )}):
        assert run(['benchmark', '--variants', 'compiled']) == 1
    err = capsys.readouterr().err
    assert err.count('\n') == 1 and 'C++ compiler' in err
