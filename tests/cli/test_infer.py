"""``tdn infer``: top-5 names, annotated video, JSON, one-line errors."""
import json
import os.path as osp

import decord
import numpy as np
import pytest
import torch

from tdn_plugin.cli.main import main, run
from tdn_plugin.datasets.toy_motion import CLASSES, render_video
from tdn_plugin.utils.video_io import write_video

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TDN_TOY = osp.join(REPO, 'configs', 'demo', 'tdn_toy-motion.py')
GTDNET_TOY = osp.join(REPO, 'configs', 'demo', 'gtdnet_toy-motion.py')
LABEL = 7


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    """A toy video (62x62, 30 frames), class names, and TDN / GTDNet
    checkpoints whose classifier answers LABEL for any video (zero
    weights, one-hot bias 4: score e^4 / (e^4 + 9) = 0.8585)."""
    from tdn_plugin.cli.utils import load_config
    from tdn_plugin.utils.checks import load_recognizer
    root = tmp_path_factory.mktemp('infer')
    video = str(root / 'clip.mp4')
    write_video(video, render_video(4, np.random.default_rng(1), 62, (30, 30)))
    labels = root / 'classes.txt'
    labels.write_text('\n'.join(CLASSES) + '\n')
    checkpoints = {}
    for name, config in (('tdn', TDN_TOY), ('gtdnet', GTDNET_TOY)):
        model = load_recognizer(load_config(config), None)
        with torch.no_grad():
            model.cls_head.fc_cls.weight.zero_()
            model.cls_head.fc_cls.bias.zero_()
            model.cls_head.fc_cls.bias[LABEL] = 4.0
        checkpoints[name] = str(root / f'{name}.pth')
        torch.save(dict(state_dict=model.state_dict()), checkpoints[name])
    return dict(root=root, video=video, labels=str(labels), **checkpoints)


def _top1_line(out: str, video: str) -> str:
    lines = out.splitlines()
    return lines[lines.index(video) + 1].split()


def test_infer_prints_the_class_and_writes_video_and_json(files, capsys):
    out_video = str(files['root'] / 'annotated.mp4')
    scores = str(files['root'] / 'scores.json')
    assert main(['infer', TDN_TOY, files['tdn'], files['video'], '--labels',
                 files['labels'], '--out', out_video, '--json', scores]) == 0
    score, name = _top1_line(capsys.readouterr().out, files['video'])
    assert name == CLASSES[LABEL] and score == '0.8585'
    reader = decord.VideoReader(out_video)
    assert len(reader) == 30 and reader[0].shape == (62, 62, 3)
    source = decord.VideoReader(files['video'])[0].asnumpy().astype(int)
    drawn = reader[0].asnumpy().astype(int)
    # the label box at the top left, the rest of the frame as it was
    assert np.abs(drawn[:8, :20] - source[:8, :20]).mean() > 20
    assert np.abs(drawn[-20:] - source[-20:]).mean() < 8
    result = json.load(open(scores))
    top5 = result['predictions'][0]['top5']
    assert top5[0][0] == CLASSES[LABEL] and len(top5) == 5
    assert result['predictions'][0]['annotated'] == out_video
    assert result['errors'] == {}


def test_a_folder_of_same_named_videos(files, tmp_path, capsys):
    """test.avi and test.mp4: two annotated files, two JSON entries."""
    folder = tmp_path / 'videos'
    folder.mkdir()
    frames = render_video(1, np.random.default_rng(3), 64, (20, 20))
    for name in ('test.avi', 'test.mp4'):
        write_video(folder / name, frames)
    scores = tmp_path / 'scores.json'
    assert main(['infer', TDN_TOY, files['tdn'], str(folder), '--out',
                 str(tmp_path / 'out'), '--json', str(scores),
                 '--no-progress']) == 0
    annotated = [p['annotated']
                 for p in json.loads(scores.read_text())['predictions']]
    assert len(set(annotated)) == 2 and all(map(osp.isfile, annotated))


def test_runs_into_one_folder_never_replace_an_output(files, tmp_path,
                                                      capsys):
    """test.mp4, then test.avi, then test.mp4 again into one --out: three
    files; an existing --json or .mp4 --out needs --overwrite."""
    frames = render_video(1, np.random.default_rng(3), 64, (20, 20))
    for name in ('test.avi', 'test.mp4'):
        write_video(tmp_path / name, frames)
    out = tmp_path / 'out'
    for name in ('test.mp4', 'test.avi', 'test.mp4'):
        assert main(['infer', TDN_TOY, files['tdn'], str(tmp_path / name),
                     '--out', str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        'test_avi.mp4', 'test_mp4-2.mp4', 'test_mp4.mp4']
    scores = tmp_path / 'scores.json'
    scores.write_text('{}')
    for option, path in (('--json', scores), ('--out', out / 'test_avi.mp4')):
        assert run(['infer', TDN_TOY, files['tdn'], str(tmp_path / 'test.mp4'),
                    option, str(path)]) == 1
        assert capsys.readouterr().err == \
            f'tdn infer: {path} exists: give --overwrite to replace it\n'
    assert main(['infer', TDN_TOY, files['tdn'], str(tmp_path / 'test.mp4'),
                 '--json', str(scores), '--overwrite']) == 0
    assert json.loads(scores.read_text())['predictions']


@pytest.mark.slow
def test_infer_with_onnxruntime_exported_on_the_fly(files, capsys):
    assert main(['infer', TDN_TOY, files['tdn'], files['video'], '--labels',
                 files['labels'], '--backend', 'onnxruntime']) == 0
    score, name = _top1_line(capsys.readouterr().out, files['video'])
    assert name == CLASSES[LABEL] and score == '0.8585'


def test_bad_videos_get_one_line_each(files, capsys):
    bad = files['root'] / 'bad.mp4'
    bad.write_bytes(b'\x00garbage' * 50)
    missing = str(files['root'] / 'missing.mp4')
    assert main(['infer', TDN_TOY, files['tdn'], missing, str(bad),
                 files['video'], '--no-progress']) == 1
    captured = capsys.readouterr()
    errors = [line for line in captured.err.splitlines()
              if line.startswith('tdn infer:')]
    assert errors == [f'tdn infer: video not found: {missing}',
                      errors[1]]
    assert errors[1].startswith(f'tdn infer: cannot decode {bad}')
    assert files['video'] in captured.out.splitlines()  # the good one ran


def _one_line_error(argv, capsys) -> str:
    assert run(argv) == 1
    message = capsys.readouterr().err.strip()
    assert message.startswith('tdn infer: ') and '\n' not in message
    return message


def test_checkpoint_of_another_config(files, capsys):
    message = _one_line_error(['infer', TDN_TOY, files['gtdnet'],
                               files['video']], capsys)
    assert "does not fit the config's model" in message


@pytest.mark.slow
def test_onnx_of_another_config(files, tmp_path, capsys):
    from tdn_plugin.cli.utils import load_config
    from tdn_plugin.deploy.export import export_graph
    from tdn_plugin.utils.checks import load_recognizer
    model = load_recognizer(load_config(GTDNET_TOY), files['gtdnet'])
    onnx_path = export_graph(model, torch.randn(4, 3, 64, 64),
                             str(tmp_path / 'gtdnet.onnx'), GTDNET_TOY,
                             files['gtdnet'])['onnx']
    message = _one_line_error([
        'infer', TDN_TOY, '-', files['video'], '--backend', 'onnxruntime',
        '--model', onnx_path], capsys)
    assert 'exported from another config' in message
    assert "'gtdnet_toy-motion' (config: 'tdn_toy-motion')" in message
    message = _one_line_error([
        'infer', GTDNET_TOY, files['tdn'], files['video'], '--backend',
        'onnxruntime', '--model', onnx_path], capsys)
    assert "does not fit the config's model" in message
    # the right config and weights, another file with the same weights
    other = str(tmp_path / 'copy.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict(x=1)), other)
    message = _one_line_error([
        'infer', GTDNET_TOY, other, files['video'], '--backend',
        'onnxruntime', '--model', onnx_path], capsys)
    assert 'exported from another checkpoint' in message


def test_runtime_failure_is_one_line(files, capsys, monkeypatch):
    """What a runtime raises (many lines) reaches the user as one."""
    from tdn_plugin.deploy.runtimes import OnnxRuntimeModel

    def fail(self, frames):
        raise ValueError('[ONNXRuntimeError] : 2 : INVALID_ARGUMENT\nmore')

    monkeypatch.setattr(OnnxRuntimeModel, '__call__', fail)
    message = _one_line_error([
        'infer', TDN_TOY, files['tdn'], files['video'], '--backend',
        'onnxruntime'], capsys)
    assert message == (
        'tdn infer: the graph cannot run on frames of shape '
        '(20, 3, 64, 64): [ONNXRuntimeError] : 2 : INVALID_ARGUMENT')


def test_undecodable_videos_are_one_line_without_decoder_noise(
        files, tmp_path, capfd):
    """A text file named .mp4 and a cut one: one line each with the
    reason, none of decord's or FFmpeg's own lines (no inference runs)."""
    truncated = tmp_path / 'cut.mp4'
    truncated.write_bytes(open(files['video'], 'rb').read()[:3000])
    text = tmp_path / 'notes.mp4'
    text.write_text(''.join(f'line {i} of some notes\n' for i in range(400)))
    assert main(['infer', TDN_TOY, files['tdn'], str(text), str(truncated),
                 '--no-progress']) == 1
    assert capfd.readouterr().err.splitlines() == [
        f'tdn infer: cannot decode {text}: a text file, not a video',
        f'tdn infer: cannot decode {truncated}: no moov atom: the file is '
        'cut short (an unfinished download or copy) or not an mp4']
