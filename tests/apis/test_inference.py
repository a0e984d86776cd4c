"""TDNInferencer: the README's snippet, the top-5, bad videos, distinct
annotated files, a run stopped by an error."""
import json
import textwrap

import numpy as np
import pytest
import torch

from tdn_plugin.apis import TDNInferencer
from tdn_plugin.apis.inference import list_videos
from tdn_plugin.datasets.toy_motion import CLASSES, render_video
from tdn_plugin.utils.checks import load_recognizer
from tdn_plugin.utils.errors import UsageError
from tdn_plugin.utils.video_io import write_video
from tdn_plugin.visualization.annotated_video import annotated_paths

TDN_TOY = 'configs/demo/tdn_toy-motion.py'
LABEL = 7
# e^4 / (e^4 + 9): the softmax of a one-hot bias 4 over 10 classes
SCORE = np.exp(4) / (np.exp(4) + 9)

# the README's snippet, run as it is
SNIPPET = """\
from tdn_plugin.apis import TDNInferencer

inferencer = TDNInferencer('configs/demo/tdn_toy-motion.py', 'tdn.pth',
                           labels='classes.txt')
result = inferencer('videos/')  # a video file, a list of them, or a folder
for prediction in result['predictions']:
    name, score = prediction['top5'][0]
    print(f'{prediction["video"]}: {name} ({score:.2f})')
"""


@pytest.fixture(scope='module')
def workdir(tmp_path_factory):
    """``tdn.pth`` (the toy TDN answering LABEL for any video: zero
    classifier weights, one-hot bias 4), ``classes.txt`` and ``videos/``
    with two 64 px videos that share a name (``a.avi``, ``a.mp4``)."""
    from tdn_plugin.cli.utils import load_config
    root = tmp_path_factory.mktemp('inferencer')
    model = load_recognizer(load_config(TDN_TOY), None)
    with torch.no_grad():
        model.cls_head.fc_cls.weight.zero_()
        model.cls_head.fc_cls.bias.zero_()
        model.cls_head.fc_cls.bias[LABEL] = 4.0
    torch.save(dict(state_dict=model.state_dict()), root / 'tdn.pth')
    (root / 'classes.txt').write_text('\n'.join(CLASSES) + '\n')
    (root / 'videos').mkdir()
    rng = np.random.default_rng(0)
    for name in ('a.avi', 'a.mp4'):
        write_video(root / 'videos' / name,
                    render_video(2, rng, 64, (24, 24)))
    return root


def test_readme_snippet(workdir, monkeypatch, capsys):
    from tdn_plugin.apis import inference
    assert textwrap.indent(SNIPPET, '    ') in inference.__doc__
    monkeypatch.chdir(workdir)
    exec(compile(SNIPPET, 'README snippet', 'exec'), {})
    printed = capsys.readouterr().out.splitlines()
    assert [line for line in printed if line.startswith('videos/')] == [
        f'videos/a.avi: {CLASSES[LABEL]} ({SCORE:.2f})',
        f'videos/a.mp4: {CLASSES[LABEL]} ({SCORE:.2f})']


def test_predictions_errors_and_distinct_annotated_videos(workdir, tmp_path):
    inferencer = TDNInferencer(TDN_TOY, str(workdir / 'tdn.pth'))
    bad = tmp_path / 'bad.mp4'
    bad.write_bytes(b'\x00garbage' * 50)
    videos = [str(workdir / 'videos'), str(bad), str(tmp_path / 'no.mp4')]
    done = []
    result = inferencer(videos, vid_out_dir=str(tmp_path / 'out'),
                        pred_out_file=str(tmp_path / 'scores.json'),
                        on_result=done.append)
    first = result['predictions'][0]
    assert [p['video'] for p in done] == list_videos(videos)
    assert first['top5'][0] == [str(LABEL), pytest.approx(SCORE, 1e-6)]
    assert len(first['top5']) == 5 and len(first['scores']) == 10
    assert [p['annotated'] for p in result['predictions']] == [
        str(tmp_path / 'out' / 'a_avi.mp4'),
        str(tmp_path / 'out' / 'a_mp4.mp4')]
    assert sorted(p.name for p in (tmp_path / 'out').iterdir()) == [
        'a_avi.mp4', 'a_mp4.mp4']
    assert result['errors'][str(bad)].startswith(f'cannot decode {bad}')
    assert result['errors'][str(tmp_path / 'no.mp4')].startswith(
        'video not found')
    dumped = json.loads((tmp_path / 'scores.json').read_text())
    assert dumped['predictions'][1]['top5'][0][0] == str(LABEL)
    assert set(dumped['errors']) == {str(bad), str(tmp_path / 'no.mp4')}


def test_annotated_paths_never_collide():
    assert annotated_paths(['x/a.mp4'], 'o.mp4') == {'x/a.mp4': 'o.mp4'}
    paths = annotated_paths(['x/a.mp4', 'y/a.mp4', 'x/a.avi', 'b.mp4'], 'o')
    assert paths == {'x/a.mp4': 'o/a_mp4.mp4', 'y/a.mp4': 'o/a_mp4-2.mp4',
                     'x/a.avi': 'o/a_avi.mp4', 'b.mp4': 'o/b_mp4.mp4'}
    # one rule for one video and many
    assert annotated_paths(['x/a.avi'], 'o') == {'x/a.avi': 'o/a_avi.mp4'}


def test_annotated_paths_never_replace_a_file_there(tmp_path):
    (tmp_path / 'a_mp4.mp4').write_bytes(b'an earlier run')
    (tmp_path / 'a_mp4-2.mp4').write_bytes(b'and another')
    assert annotated_paths(['x/a.mp4'], str(tmp_path)) == {
        'x/a.mp4': str(tmp_path / 'a_mp4-3.mp4')}
    assert annotated_paths(['x/a.mp4'], str(tmp_path), overwrite=True) == {
        'x/a.mp4': str(tmp_path / 'a_mp4.mp4')}


def test_a_run_stopped_by_an_error_keeps_what_was_done(workdir, tmp_path,
                                                       monkeypatch):
    inferencer = TDNInferencer(TDN_TOY, str(workdir / 'tdn.pth'))
    forward = TDNInferencer.forward

    def fail_on_mp4(self, item):
        if item[0].endswith('.mp4'):
            raise RuntimeError('the runtime gave up')
        return forward(self, item)

    monkeypatch.setattr(TDNInferencer, 'forward', fail_on_mp4)
    scores = tmp_path / 'scores.json'
    with pytest.raises(RuntimeError, match='gave up'):
        inferencer(str(workdir / 'videos'), pred_out_file=str(scores))
    done = json.loads(scores.read_text())['predictions']
    assert [p['video'] for p in done] == [str(workdir / 'videos' / 'a.avi')]


def test_bad_arguments_are_usage_errors():
    with pytest.raises(UsageError, match='unknown backend'):
        TDNInferencer(TDN_TOY, backend='tensorrt')
    with pytest.raises(UsageError, match='needs the onnxruntime'):
        TDNInferencer(TDN_TOY, model_file='m.onnx')


@pytest.mark.slow
def test_onnxruntime_exported_on_the_fly(workdir):
    inferencer = TDNInferencer(TDN_TOY, str(workdir / 'tdn.pth'),
                               backend='onnxruntime', views='3crop')
    result = inferencer(str(workdir / 'videos' / 'a.mp4'))
    assert result['predictions'][0]['top5'][0] == [
        str(LABEL), pytest.approx(SCORE, 1e-5)]
    assert inferencer.runtime.metadata['checkpoint_sha256']
