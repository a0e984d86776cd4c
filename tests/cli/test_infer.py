"""``tdn infer``: top-5 names, annotated video, JSON, one-line errors."""
import json
import os.path as osp

import decord
import numpy as np
import pytest
import torch

from tdn_plugin.cli.main import main
from tdn_plugin.datasets.toy_motion import CLASSES, render_video, write_video

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TDN_TOY = osp.join(REPO, 'configs', 'demo', 'tdn_toy-motion.py')
GTDNET_TOY = osp.join(REPO, 'configs', 'demo', 'gtdnet_toy-motion.py')
LABEL = 7


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    """A toy video (62x62, 30 frames), class names, and TDN / GTDNet
    checkpoints whose classifier answers LABEL for any video (zero
    weights, one-hot bias 4: score e^4 / (e^4 + 9) = 0.8585)."""
    from tdn_plugin.apis.inference import load_recognizer
    from tdn_plugin.cli.utils import load_config
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
    top5 = result['results'][files['video']]['top5']
    assert top5[0][0] == CLASSES[LABEL] and len(top5) == 5
    assert result['errors'] == {}


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


def _one_line_exit(argv) -> str:
    with pytest.raises(SystemExit) as error:
        main(argv)
    message = str(error.value.code)
    assert message.startswith('tdn infer: ') and '\n' not in message
    return message


def test_checkpoint_of_another_config(files):
    message = _one_line_exit(['infer', TDN_TOY, files['gtdnet'],
                              files['video']])
    assert "does not fit the config's model" in message


@pytest.mark.slow
def test_onnx_of_another_config(files, tmp_path):
    from tdn_plugin.apis.inference import load_recognizer
    from tdn_plugin.cli.utils import load_config
    from tdn_plugin.deploy.graph import export_onnx
    from tdn_plugin.deploy.metadata import graph_metadata
    model = load_recognizer(load_config(GTDNET_TOY), files['gtdnet'])
    example = torch.randn(4, 3, 64, 64)
    onnx_path = export_onnx(
        model, example, str(tmp_path / 'gtdnet.onnx'),
        metadata=graph_metadata(GTDNET_TOY, model, example.shape,
                                files['gtdnet']))
    message = _one_line_exit([
        'infer', TDN_TOY, '-', files['video'], '--backend', 'onnxruntime',
        '--model', onnx_path])
    assert 'exported from another config' in message
    assert "'gtdnet_toy-motion' (config: 'tdn_toy-motion')" in message
    message = _one_line_exit([
        'infer', GTDNET_TOY, files['tdn'], files['video'], '--backend',
        'onnxruntime', '--model', onnx_path])
    assert 'exported from another checkpoint' in message


def test_a_run_stopped_by_an_error_keeps_what_was_done(files, monkeypatch,
                                                       tmp_path):
    """An error that stops the run (not a bad video) still writes the JSON
    of the videos already classified."""
    from tdn_plugin.apis import inference
    second = str(tmp_path / 'second.mp4')
    write_video(second, render_video(2, np.random.default_rng(2), 62,
                                     (30, 30)))
    scorer_call = inference.TorchScorer.__call__

    def fail_on_second(self, video):
        if video == second:
            raise RuntimeError(f'{video}: the runtime gave up')
        return scorer_call(self, video)

    monkeypatch.setattr(inference.TorchScorer, '__call__', fail_on_second)
    scores = str(tmp_path / 'scores.json')
    message = _one_line_exit(['infer', TDN_TOY, files['tdn'], files['video'],
                              second, '--json', scores, '--no-progress'])
    assert message == f'tdn infer: {second}: the runtime gave up'
    done = json.load(open(scores))['results']
    assert list(done) == [files['video']]


def test_runtime_failure_is_one_line(files):
    from tdn_plugin.apis.inference import (
        RuntimeScorer,
        load_recognizer,
        video_test_pipeline,
    )
    from tdn_plugin.cli.utils import load_config
    cfg = load_config(TDN_TOY)

    def runtime(frames):
        raise ValueError('[ONNXRuntimeError] : 2 : INVALID_ARGUMENT\nmore')

    scorer = RuntimeScorer(runtime, video_test_pipeline(cfg),
                           load_recognizer(cfg, None).data_preprocessor)
    with pytest.raises(RuntimeError) as error:
        scorer(files['video'])
    assert str(error.value) == (
        f'{files["video"]}: the graph cannot run on frames of shape '
        '(20, 3, 64, 64): [ONNXRuntimeError] : 2 : INVALID_ARGUMENT')
