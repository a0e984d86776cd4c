"""The temporal probe: reversed on a set of clips and their reverses, frozen
views, MMAction2's configs by name, the report and a failed probe."""
import copy
import json
import shutil

import cv2
import numpy as np
import pytest

from tdn_plugin.apis import report as reports
from tdn_plugin.apis.compare import (
    CompareSettings,
    prepare_config,
    setup_registries,
)
from tdn_plugin.apis.probe import (
    MODES,
    PERTURBED,
    ProbeError,
    ProbeResult,
    check_probe,
    perturb_test_pipeline,
    probe_markdown,
    probe_models,
    temporal_classes,
)
from tdn_plugin.cli.main import main

MMACTION = 'mmaction::recognition/'
CONFIGS = {
    'tsn': 'tsn/tsn_imagenet-pretrained-r50_8xb32-1x1x3-100e_kinetics400-'
    'rgb.py',
    'tsm': 'tsm/tsm_imagenet-pretrained-r50_8xb16-1x1x8-50e_kinetics400-'
    'rgb.py',
    'i3d': 'i3d/i3d_imagenet-pretrained-r50_8xb8-32x2x1-100e_kinetics400-'
    'rgb.py',
    'slowfast': 'slowfast/slowfast_r50_8xb8-4x16x1-256e_kinetics400-rgb.py',
}


def write_lossless(path, frames):
    """FFV1: decoded frames are the frames written, bit for bit."""
    height, width = frames.shape[1:3]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'FFV1'),
                             10, (width, height))
    for frame in frames:
        writer.write(np.ascontiguousarray(frame[..., ::-1]))
    writer.release()


@pytest.fixture(scope='module')
def reversed_pairs(tmp_path_factory):
    """Clips (class 0: a square moving left) and the same clips played
    backwards (class 1: moving right), lossless, 21 frames of 32x32 (odd:
    both have the same middle frame)."""
    root = tmp_path_factory.mktemp('reversed_pairs')
    rng = np.random.default_rng(1)
    lines = []
    for i in range(3):
        frames = rng.integers(0, 60, (21, 32, 32, 3), dtype=np.uint8)
        y = int(rng.integers(0, 24))
        for t in range(21):
            x = 24 - int(t * 24 / 20)
            frames[t, y:y + 8, x:x + 8] = (220, 180, 40)
        write_lossless(root / f'{i}.avi', frames)
        write_lossless(root / f'{i}_reversed.avi', frames[::-1])
        lines += [f'{i}.avi 0', f'{i}_reversed.avi 1']
    (root / 'list.txt').write_text('\n'.join(lines) + '\n')
    return root


@pytest.mark.slow
def test_reversed_is_one_minus_ordered_on_reversed_pairs(
        tiny_config, trained_run, reversed_pairs, tmp_path, capsys):
    """`tdn test --probe` of a trained model: on clips and their reverses,
    reversed swaps every prediction of a pair."""
    data = str(reversed_pairs)
    assert main([
        'test', tiny_config, str(trained_run / 'epoch_2.pth'),
        '--work-dir', str(tmp_path), '--probe', '--cfg-options',
        f'test_dataloader.dataset.ann_file={data}/list.txt',
        f'test_dataloader.dataset.data_prefix.video={data}']) == 0
    found = json.loads((tmp_path / 'probe' / 'probe.json').read_text())
    probe = found['probe']
    assert set(probe) == {*MODES, 'order_gain', 'motion_gain'}
    assert probe['reversed'] == pytest.approx(1 - probe['ordered'])
    assert probe['motion_gain'] == pytest.approx(
        probe['ordered'] - probe['frozen'])
    scores = {mode: reports.read_predictions(
        tmp_path / 'probe' / f'{mode}.pkl') for mode in MODES}
    assert scores['ordered'][1].tolist() == [0, 1] * 3
    ordered, reversed_, frozen = (scores[m][0] for m in (
        'ordered', 'reversed', 'frozen'))
    # reversed: each clip scores as its reverse did, and the reverse as it
    np.testing.assert_allclose(reversed_[0::2], ordered[1::2], atol=1e-6)
    np.testing.assert_allclose(reversed_[1::2], ordered[0::2], atol=1e-6)
    # frozen: both clips of a pair are one picture, the same scores
    np.testing.assert_allclose(frozen[0::2], frozen[1::2], atol=1e-6)
    out = capsys.readouterr().out
    assert 'temporal probe' in out and 'motion gain' in out


def pipeline_views(cfg, video, views):
    """The test pipeline of ``cfg`` on ``video``: its views, (views, T, C,
    H, W) of 2D models, (views, C, T, H, W) of 3D ones, and the axis of
    time."""
    from mmaction.registry import TRANSFORMS
    from mmengine.dataset import Compose

    from tdn_plugin.utils.views import config_test_pipeline
    pipeline = Compose([TRANSFORMS.build(copy.deepcopy(dict(t)))
                        for t in config_test_pipeline(cfg)])
    packed = pipeline(dict(filename=str(video), label=0, start_index=0,
                           modality='RGB'))
    inputs = packed['inputs'].numpy()
    if inputs.ndim == 4:  # NCHW: (views x T, C, H, W)
        return inputs.reshape(views, -1, *inputs.shape[1:]), 1
    assert inputs.shape[0] == views  # NCTHW
    return inputs, 2


@pytest.mark.parametrize('name', list(CONFIGS))
def test_mmaction_configs_by_name(name, tiny_videos, tmp_path):
    """The probe goes after each config's sampler; frozen: every frame of
    a view has the same pixels (3 crops: 3 views), ordered: not."""
    setup_registries()
    cfg = prepare_config(MMACTION + CONFIGS[name], tmp_path, CompareSettings(
        data_root=str(tiny_videos), train_list=str(tiny_videos / 'list.txt'),
        val_list=str(tiny_videos / 'list.txt'), input_size=32,
        pretrained='none', views='3crop'), num_classes=2)
    video = tiny_videos / '000.mp4'
    ordered, time = pipeline_views(cfg, video, 3)
    for mode in PERTURBED:
        perturbed = copy.deepcopy(cfg)
        perturb_test_pipeline(perturbed, mode)
        kinds = [t['type'] for t in perturbed.test_dataloader.dataset.pipeline]
        place = kinds.index('PerturbFrameIndices')
        assert kinds[place - 1] == 'SampleFrames'
        assert kinds[place + 1] == 'DecordWalkDecode'  # compare's decoder
        views, _ = pipeline_views(perturbed, video, 3)
        assert views.shape == ordered.shape
        if mode == 'frozen':
            assert (np.diff(views, axis=time) == 0).all()
        else:  # the same frames, another order
            assert not np.array_equal(views, ordered)
    assert not (np.diff(ordered, axis=time) == 0).all()
    assert (time == 2) == (name in ('i3d', 'slowfast'))


def test_a_pipeline_without_a_sampler_is_refused():
    from mmengine.config import Config
    cfg = Config(dict(test_dataloader=dict(dataset=dict(
        type='VideoDataset', ann_file='x', pipeline=[
            dict(type='DecordInit'), dict(type='DecordDecode')]))))
    with pytest.raises(ProbeError, match='no frame sampler'):
        check_probe(cfg)


def fake_probe(ordered, frozen, shuffled, reversed_=None, classes=3,
               families=None):
    """A ProbeResult of per-class correct counts out of 10 videos each."""
    def accuracy(correct):
        labels = np.repeat(np.arange(classes), 10)
        scores = np.zeros((len(labels), classes))
        for c, right in enumerate(correct):
            rows = np.arange(c * 10, (c + 1) * 10)
            scores[rows, labels[rows]] = 1
            scores[rows[right:], (labels[rows[right:]] + 1) % classes] = 2
        return reports.accuracy(scores, labels, families)
    return ProbeResult({'ordered': accuracy(ordered),
                        'reversed': accuracy(reversed_ or ordered),
                        'shuffled': accuracy(shuffled),
                        'frozen': accuracy(frozen)}, test_s=1.0)


def test_report_of_a_probe(tmp_path):
    results = [
        reports.ModelResult('tdn_r50_with_a_long_mmaction2_style_name', 'a',
                            top1=0.9, confusion=np.eye(3, dtype=int),
                            probe=fake_probe([10, 10, 7], [2, 10, 7],
                                             [10, 4, 7], families=dict(
                                                 motion=[0, 1], still=[2]))),
        reports.ModelResult('tsn', 'b', top1=0.5,
                            confusion=np.eye(3, dtype=int),
                            probe=ProbeResult(failed='RuntimeError: boom')),
    ]
    classes = ['push', 'pull', 'still']
    found = temporal_classes(results, classes)
    assert found['model'] == results[0].name
    assert found['frozen'] == [dict({'class': 'push', 'ordered': 1.0,
                                     'frozen': 0.2, 'drop': 0.8})]
    assert [c['class'] for c in found['shuffled']] == ['pull']
    files = reports.write_report(results, {}, tmp_path, {}, 'probe test',
                                 classes)
    saved = json.loads(files['results'].read_text())
    probe = saved['models'][results[0].name]['probe']
    families = probe.pop('families')
    assert probe == dict(ordered=0.9, reversed=0.9, shuffled=0.7,
                         frozen=0.6333, order_gain=0.2, motion_gain=0.2667)
    assert families['motion'] == dict(ordered=1.0, reversed=1.0,
                                      shuffled=0.7, frozen=0.6,
                                      order_gain=0.3, motion_gain=0.4)
    assert families['still']['motion_gain'] == 0.0
    assert saved['models']['tsn']['probe'] == {'failed': 'RuntimeError: boom'}
    assert saved['temporal_classes'] == found
    header = files['csv'].read_text().splitlines()[0].split(',')
    assert {'probe_ordered', 'probe_motion_gain', 'probe_failed'} <= \
        set(header)
    table = files['table'].read_text()
    assert '## Temporal probe' in table and 'push (100.0% -> 20.0%)' in table
    assert 'tsn: probe **failed**: RuntimeError: boom' in table
    assert '+26.7' in probe_markdown(results, classes)
    assert '| tdn_r50_with_a_long_mmaction2_style_name | motion | 100.0% |' \
        in table
    assert files['probe'].read_bytes()[:4] == b'\x89PNG'


def test_a_model_whose_probe_fails_is_named(tmp_path, capsys):
    from mmengine.config import Config
    cfg = Config(dict(work_dir=str(tmp_path)))
    probes = probe_models({'broken': (None, cfg)}, {}, 'p.pkl')
    assert 'no checkpoint' in probes['broken'].failed
    assert 'broken: probe FAILED: ' in capsys.readouterr().out


@pytest.mark.slow
def test_compare_from_work_dirs_with_probe(trained_run, tiny_videos,
                                           tmp_path, capsys):
    """`tdn compare --from-work-dirs RUN --probe`: the report's probe; a
    truncated video in the test list is scored as in the main test."""
    run = tmp_path / 'run'  # a copy: the shared run stays as it is
    run.mkdir()
    for name in ('epoch_2.pth', 'last_checkpoint'):
        shutil.copy(trained_run / name, run / name)
    good = (tiny_videos / '000.mp4').read_bytes()
    (tmp_path / 'truncated.mp4').write_bytes(good[:len(good) // 3])
    videos = tmp_path / 'list.txt'
    videos.write_text((tiny_videos / 'list.txt').read_text() +
                      f'{tmp_path / "truncated.mp4"} 1\n')
    (run / 'tdn_tiny.py').write_text((trained_run / 'tdn_tiny.py').read_text(
    ).replace(str(tiny_videos / 'list.txt'), str(videos)) + (
        "bad_videos = dict(skip=True, strict=False, max_consecutive=100)\n"
        "runner_type = 'BadVideoRunner'\n"))  # as a compare run has
    work_dir = tmp_path / 'report'
    assert main(['compare', '--from-work-dirs', str(run),
                 '--names', 'tiny', '--probe', '--latency-rounds', '1',
                 '--work-dir', str(work_dir)]) == 0
    results = json.loads((work_dir / 'results.json').read_text())
    entry = results['models']['tiny']
    assert entry['probe']['ordered'] == entry['top1']
    assert set(entry['probe']) == {*MODES, 'order_gain', 'motion_gain'}
    assert results['temporal_classes']['model'] == 'tiny'
    assert results['settings']['phase_s']['probe'] > 0
    for mode in PERTURBED:
        _, labels = reports.read_predictions(run / 'probe' / f'{mode}.pkl')
        assert len(labels) == 9  # the truncated video too
    assert '## Temporal probe' in (work_dir / 'results.md').read_text()
    assert 'probe_motion_gain' in (work_dir / 'results.csv').read_text()
    assert (work_dir / 'time_probe.png').read_bytes()[:4] == b'\x89PNG'
    out = capsys.readouterr().out
    assert 'tiny: probe: top-1 ordered' in out
