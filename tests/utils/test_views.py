"""`--views`: one rewrite of the test pipeline per protocol, for the
plugin's TDNSampleFrames and MMAction2's SampleFrames."""
import pytest
from mmengine.config import Config

from tdn_plugin.utils.views import (
    VIEWS,
    ViewsError,
    config_frames_per_view,
    count_test_views,
    set_test_views,
    video_test_pipeline,
    views_per_call,
)

STHV1 = 'configs/tdn/tdn_imagenet-pretrained-r50_8xb8-5x1x8-60e_sthv1-rgb.py'
STHV2 = 'configs/tdn/tdn_imagenet-pretrained-r101_8xb8-5x1x8-60e_sthv2-rgb.py'
K400 = ('configs/tdn/tdn_imagenet-pretrained-r50_8xb16-5x1x8-100e_'
        'kinetics400-rgb.py')


def _tsn_sampling(cfg):
    """Swap the tiny config's TDN sampler for MMAction2's SampleFrames."""
    pipeline = cfg.test_dataloader.dataset.pipeline
    pipeline[1] = dict(type='SampleFrames', clip_len=1, frame_interval=1,
                       num_clips=4, test_mode=True)
    pipeline.insert(4, dict(type='CenterCrop', crop_size=24))  # after Resize
    return cfg


def _frames(cfg) -> int:
    """Frames the test pipeline really gives the first video."""
    from mmaction.registry import DATASETS
    from mmaction.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    return dataset[0]['inputs'].shape[0]


@pytest.mark.parametrize('views', list(VIEWS))
@pytest.mark.parametrize('sampler', ['TDNSampleFrames', 'SampleFrames'])
def test_views_give_clips_times_crops_views(tiny_config, views, sampler):
    cfg = Config.fromfile(tiny_config)
    if sampler == 'SampleFrames':
        cfg = _tsn_sampling(cfg)
    per_view = config_frames_per_view(cfg)
    assert per_view == (20 if sampler == 'TDNSampleFrames' else 4)
    set_test_views(cfg, views)
    clips, crops = VIEWS[views]
    assert count_test_views(cfg) == clips * crops
    assert _frames(cfg) == clips * crops * per_view
    # a view stays T x F frames (what the recognizer reshapes by)
    assert config_frames_per_view(cfg) == per_view


def test_release_configs_switch_protocols():
    cfg = Config.fromfile(STHV2)
    assert count_test_views(cfg) == 1
    set_test_views(cfg, '3crop')
    # exactly the release's 3-crop test config
    release = Config.fromfile(STHV2.replace('.py', '_test-3crop.py'))
    assert count_test_views(cfg) == 3
    assert [dict(t) for t in cfg.test_dataloader.dataset.pipeline] == [
        dict(t) for t in release.test_dataloader.dataset.pipeline]
    cfg = Config.fromfile(K400)
    assert count_test_views(cfg) == 30
    set_test_views(cfg, '1x1')
    assert count_test_views(cfg) == 1
    sampler = cfg.test_dataloader.dataset.pipeline[1]
    assert sampler.get('num_clips', 1) == 1 and sampler['test_mode']


def test_unknown_protocol_is_a_clear_error(tiny_config):
    with pytest.raises(ViewsError, match='unknown views'):
        set_test_views(Config.fromfile(tiny_config), '5x5')


def test_tdn_test_views_flag(tiny_config, trained_run, tmp_path):
    """`tdn test --views 3crop` runs the rewritten protocol."""
    from tdn_plugin.cli.main import main
    from tdn_plugin.utils.safe_pickle import load_results
    dump = tmp_path / 'views.pkl'
    assert main(['test', tiny_config, str(trained_run / 'epoch_2.pth'),
                 '--work-dir', str(tmp_path), '--views', '3crop', '--dump',
                 str(dump)]) == 0
    sample = load_results(str(dump))[0]
    assert tuple(sample['view_scores'].shape) == (3, 2)


def test_video_test_pipeline_reads_videos_for_rawframe_configs():
    cfg = Config.fromfile(STHV1)
    types = [t['type'] for t in video_test_pipeline(cfg)]
    assert types[:3] == ['DecordInit', 'TDNSampleFrames', 'DecordWalkDecode']
    assert 'RawFrameDecode' not in types
    assert cfg.test_pipeline[1]['type'] == 'RawFrameDecode'  # unchanged
    video_cfg = Config.fromfile(K400)
    assert video_test_pipeline(video_cfg) == [
        dict(t) for t in video_cfg.test_pipeline]


def test_views_per_call_counts_whole_views():
    assert views_per_call(40) == 4 and views_per_call(80) == 2
    assert views_per_call(400) == 1  # a view is never split


@pytest.mark.parametrize('views, positions', [('1x1', 1), ('10x3', 10)])
def test_dense_sampling_views_are_its_start_positions(views, positions):
    """MMAction2's TANet configs test with DenseSampleFrames: its start
    positions are the views."""
    cfg = Config(dict(test_dataloader=dict(dataset=dict(
        type='VideoDataset', pipeline=[
            dict(type='DenseSampleFrames', clip_len=1, frame_interval=1,
                 num_clips=8, test_mode=True),
            dict(type='Resize', scale=(-1, 256)),
            dict(type='CenterCrop', crop_size=224)]))))
    set_test_views(cfg, views)
    sampler = cfg.test_dataloader.dataset.pipeline[0]
    assert sampler.num_sample_positions == positions
    assert count_test_views(cfg) == positions * (3 if views == '10x3' else 1)
