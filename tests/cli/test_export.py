"""``tdn export``: files, metadata, the parity check and its failure."""
import os.path as osp

import pytest
import torch

from tdn_plugin.cli.main import main, run
from tdn_plugin.deploy.metadata import read_metadata

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TSM_TOY = osp.join(REPO, 'configs', 'demo', 'tsm_toy-motion.py')


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    from tdn_plugin.cli.utils import load_config
    from tdn_plugin.utils.checks import load_recognizer
    torch.manual_seed(0)
    model = load_recognizer(load_config(TSM_TOY), None)
    with torch.no_grad():
        model.cls_head.fc_cls.weight.normal_(0, 0.5)
    path = str(tmp_path_factory.mktemp('export') / 'tsm.pth')
    torch.save(dict(state_dict=model.state_dict()), path)
    return path


@pytest.mark.slow
def test_export_check_and_openvino(checkpoint, tmp_path, monkeypatch,
                                   capsys):
    monkeypatch.chdir(tmp_path)  # no toy list here: a generated video
    out = str(tmp_path / 'new' / 'folder' / 'tsm.onnx')  # made
    assert main(['export', TSM_TOY, checkpoint, '--out', out, '--check',
                 '--openvino', '--views', '2']) == 0
    printed = capsys.readouterr().out
    assert 'check onnxruntime: max relative difference' in printed
    assert 'check openvino' in printed and 'generated toy video' in printed
    meta = read_metadata(out)
    assert meta['config'] == 'tsm_toy-motion'
    assert meta['exported_views'] == '2' and meta['frames_per_view'] == '4'
    assert read_metadata(str(tmp_path / 'new' / 'folder' / 'tsm.xml'))[
        'num_classes'] == '10'


@pytest.mark.slow
def test_failed_check_is_one_line(checkpoint, tmp_path, monkeypatch, capsys):
    """A tolerance below float32 round-off must fail the check."""
    monkeypatch.chdir(tmp_path)
    assert run(['export', TSM_TOY, checkpoint, '--out',
                str(tmp_path / 'tsm.onnx'), '--check', '--tolerance',
                '1e-15']) == 1
    message = capsys.readouterr().err.strip()
    assert message.startswith('tdn export: onnxruntime differs from PyTorch')
    assert '\n' not in message


def test_bad_output_path(checkpoint, tmp_path, capsys):
    assert run(['export', TSM_TOY, checkpoint, '--out',
                str(tmp_path / 'x.pt')]) == 1
    assert capsys.readouterr().err.strip() == (
        f'tdn export: --out must end with .onnx, got {tmp_path / "x.pt"}')
