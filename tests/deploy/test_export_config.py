"""The ``tdn export`` workflow on a config with a val list."""
import os.path as osp

import pytest
import torch

from tdn_plugin.cli.utils import load_config
from tdn_plugin.deploy.clips import config_clips
from tdn_plugin.deploy.export import export_config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def demo_config(name: str) -> str:
    return osp.join(REPO, 'configs', 'demo', f'{name}_toy-motion.py')


@pytest.fixture(scope='module')
def toy_list(tmp_path_factory):
    """10 val videos of the toy motion set (one per class), 64 px."""
    from tdn_plugin.datasets.toy_motion import make_toy_motion
    root = tmp_path_factory.mktemp('toy')
    make_toy_motion(str(root), videos_per_class=1, val_per_class=1, size=64,
                    num_frames_range=(24, 30), progress=False, verify=False)
    return root


def _config(name, root, train='train.txt'):
    options = {}
    for split in ('train', 'val', 'test'):
        ann = train if split == 'train' else 'val.txt'
        options[f'{split}_dataloader.dataset.ann_file'] = str(root / ann)
        options[f'{split}_dataloader.dataset.data_prefix'] = dict(
            video=str(root / 'videos'))
    return load_config(demo_config(name), options)


def test_config_clips_from_the_list_or_generated(toy_list, tmp_path,
                                                 monkeypatch):
    clips, source = config_clips(_config('tsm', toy_list), 3, 'val')
    assert source == '3 clip(s) of the val list' and len(clips) == 3
    labels = [int(c['data_samples'].gt_label) for c in clips]
    assert labels == [0, 4, 9]  # spread over the list
    # a config without a val loader (as `tdn compare` writes them): the
    # test list
    cfg = _config('tsm', toy_list)
    cfg.val_dataloader = None
    clips, source = config_clips(cfg, 2, 'val')
    assert source == '2 clip(s) of the test list' and len(clips) == 2
    monkeypatch.chdir(tmp_path)  # the demo's relative list is not here
    clips, source = config_clips(load_config(demo_config('tsm')), 2)
    assert 'generated toy video' in source and len(clips) == 2
    assert tuple(clips[0]['inputs'].shape) == (4, 3, 64, 64)


def test_int8_calibrates_on_the_train_list_apart_from_the_val_list(
        toy_list, tmp_path, monkeypatch):
    from tdn_plugin.deploy.clips import calibration_clips
    cfg = _config('tsm', toy_list)
    clips, source, split = calibration_clips(cfg, 3)
    assert (source, split) == ('3 clip(s) of the train list', 'train')
    train = [int(line.split()[1]) for line in
             (toy_list / 'train.txt').read_text().splitlines()]
    assert [int(c['data_samples'].gt_label) for c in clips] == \
        [train[0], train[4], train[9]]  # spread over the train list
    val_clip, _ = config_clips(cfg, 1, 'val')
    # through the val pipeline: one deterministic view, no augmentation
    assert clips[0]['inputs'].shape == val_clip[0]['inputs'].shape
    assert torch.equal(calibration_clips(cfg, 1)[0][0]['inputs'],
                       calibration_clips(cfg, 1)[0][0]['inputs'])
    cfg = _config('tsm', toy_list, train='absent.txt')
    clips, source, split = calibration_clips(cfg, 2)
    assert split == 'val' and 'no train list here' in source
    monkeypatch.chdir(tmp_path)  # the demo's relative lists are not here
    clips, source, split = calibration_clips(
        load_config(demo_config('tsm')), 2)
    assert split is None and 'generated toy video' in source


@pytest.mark.slow
def test_export_check_openvino_int8_top1(toy_list, tmp_path):
    cfg = _config('tdn', toy_list)
    from tdn_plugin.utils.checks import load_recognizer
    torch.manual_seed(0)
    model = load_recognizer(cfg, None)
    with torch.no_grad():
        model.cls_head.fc_cls.weight.normal_(0, 0.5)
    checkpoint = str(tmp_path / 'tdn.pth')
    torch.save(dict(state_dict=model.state_dict()), checkpoint)
    lines = []
    report = export_config(
        demo_config('tdn'), cfg, checkpoint, str(tmp_path / 'tdn.onnx'),
        check=True, openvino=True, int8=True, calib_clips=2, eval_clips=4,
        log=lines.append)
    assert report['onnx'].endswith('tdn.onnx')
    assert report['openvino'].endswith('tdn.xml')
    assert report['int8'].endswith('tdn.int8.onnx')
    assert report['int8_openvino'].endswith('tdn.int8.xml')
    rows = report['parity']
    # 2 random inputs (1 view at 64 px, 2 views at 96 px: both axes are
    # dynamic) and 2 real clips, on both backends
    assert len(rows) == 8 and max(r['relative'] for r in rows) <= 1e-4
    assert [(r['input'].split('(')[-1], r['views']) for r in rows
            if 'random' in r['input']][:2] == [('64x64)', 1), ('96x96)', 2)]
    assert 'dynamic axes: views and frame size' in lines
    assert report['metadata']['checkpoint_sha256']
    top1 = report['top1']
    assert top1["clips"] == 4
    for name in ('fp32', 'int8', 'int8_openvino'):
        assert top1[name] in (0, 25, 50, 75, 100)
    # the change of each int8 graph, in points
    assert top1['change'] == top1['int8'] - top1['fp32']
    assert top1['change_openvino'] == top1['int8_openvino'] - top1['fp32']
    assert report['calibration'] == '2 clip(s) of the train list'
    assert top1['split'] == 'val' and top1['calibration_split'] == 'train'
    assert any(line.startswith('top-1 on 4 val clips (int8 calibrated on '
                               'the train list)') for line in lines), lines


def test_bound_testing_views_only_for_tdn_recognizers():
    from tdn_plugin.deploy.export import bound_testing_views
    from tdn_plugin.utils.checks import load_recognizer
    model = load_recognizer(load_config(demo_config('tdn')), None)
    model.test_cfg = None
    assert bound_testing_views(model).test_cfg == dict(
        max_testing_views=8)  # 8 views of 20 frames: 160 frames
    model.test_cfg = dict(max_testing_views=2)  # the config's is kept
    assert bound_testing_views(model).test_cfg['max_testing_views'] == 2
    tsm = load_recognizer(load_config(demo_config('tsm')), None)
    kept = tsm.test_cfg
    assert bound_testing_views(tsm).test_cfg == kept
