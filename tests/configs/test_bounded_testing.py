"""The shipped TDN and GTDNet configs test in view chunks
(``test_cfg.max_testing_views``), so MMAction2's own inference API stays
bounded in memory on them."""
import glob

import numpy as np
import pytest
import torch
from mmengine.config import Config

from tdn_plugin.utils.views import FRAMES_PER_CALL, config_frames_per_view

CONFIGS = sorted(glob.glob('configs/tdn/*.py') +
                 glob.glob('configs/gtdnet/*.py'))


@pytest.mark.parametrize('path', CONFIGS)
def test_configs_bound_the_frames_of_a_test_forward(path):
    cfg = Config.fromfile(path)
    assert cfg.model.type == 'TDNRecognizer'  # counts whole views
    views = cfg.model.test_cfg.max_testing_views
    assert 0 < views * config_frames_per_view(cfg) <= FRAMES_PER_CALL


@pytest.mark.slow
@pytest.mark.parametrize('path', [
    'configs/tdn/tdn_imagenet-pretrained-r50_8xb16-5x1x8-100e_'
    'kinetics400-rgb.py',
    'configs/gtdnet/gtdnet_imagenet-pretrained-r50_8xb16-1x1x8-100e_'
    'kinetics400-rgb.py'
])
def test_inference_recognizer_runs_view_chunks(path, tmp_path):
    """``init_recognizer`` + ``inference_recognizer`` on the K400 config's
    10x3 protocol (at 32 px): no backbone call takes more than
    max_testing_views views, and the scores are those of one call."""
    from mmaction.apis import inference_recognizer, init_recognizer
    from mmengine.dataset import Compose

    from tdn_plugin.cli.utils import load_config
    from tdn_plugin.datasets.toy_motion import render_video
    from tdn_plugin.utils.config_edit import set_input_size
    from tdn_plugin.utils.video_io import write_video
    from tdn_plugin.utils.views import video_test_pipeline
    video = str(tmp_path / 'clip.mp4')
    write_video(video, render_video(0, np.random.default_rng(0), 64, (48, 48)))
    cfg = load_config(path, {'model.backbone.pretrained': None})
    set_input_size(cfg, 32)
    pipeline = Compose(video_test_pipeline(cfg))
    torch.manual_seed(0)
    model = init_recognizer(cfg, device='cpu')
    per_view = config_frames_per_view(cfg)
    calls = []
    model.backbone.register_forward_hook(
        lambda module, args, out: calls.append(args[0].shape[0]))
    chunked = inference_recognizer(model, video, pipeline).pred_score
    assert len(calls) == -(-30 // cfg.model.test_cfg.max_testing_views)
    assert max(calls) <= FRAMES_PER_CALL and sum(calls) == 30 * per_view
    model.test_cfg = None
    whole = inference_recognizer(model, video, pipeline).pred_score
    assert calls[-1] == 30 * per_view
    torch.testing.assert_close(chunked, whole, rtol=1e-4, atol=1e-6)
