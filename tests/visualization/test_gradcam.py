"""Grad-CAM pictures with MMAction2's GradCAM on a toy TDN."""
import os.path as osp

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.mark.slow
def test_gradcam_picture_of_a_toy_tdn(tmp_path):
    from tdn_plugin.cli.utils import load_config
    from tdn_plugin.datasets.toy_motion import CLASSES, make_toy_motion
    from tdn_plugin.utils.checks import load_recognizer
    from tdn_plugin.visualization.gradcam import gradcam_picture
    make_toy_motion(str(tmp_path), videos_per_class=1, val_per_class=1,
                    size=64, num_frames_range=(24, 30), progress=False,
                    verify=False)
    cfg = load_config(
        osp.join(REPO, 'configs', 'demo', 'tdn_toy-motion.py'),
        {'test_dataloader.dataset.ann_file': str(tmp_path / 'val.txt'),
         'test_dataloader.dataset.data_prefix': dict(
             video=str(tmp_path / 'videos'))})
    model = load_recognizer(cfg, None)
    found = gradcam_picture(model, cfg, tmp_path / 'cam.png', CLASSES, 3)
    assert found['layer'] == 'backbone/layer3'  # 64 px: layer4 is 2x2
    assert 0 <= found['pred'] < 10 and found['label'] == 3
    assert (tmp_path / 'cam.png').stat().st_size > 10_000
