"""The config edits that put recognizer configs on one budget."""
from tdn_plugin.utils.config_edit import (
    datasets_of,
    set_epochs,
    set_input_size,
    set_num_classes,
)


def test_set_input_size_scales_crops_and_short_side_resizes():
    from mmengine.config import Config
    cfg = Config.fromfile(
        'configs/tdn/tdn_imagenet-pretrained-r50_8xb8-5x1x8-60e_sthv1-rgb.py')
    set_input_size(cfg, 112)
    test = cfg.test_dataloader.dataset.pipeline
    assert [t for t in test if t.type == 'CenterCrop'][0].crop_size == 112
    assert [t for t in test if t.type == 'Resize'][0].scale == (-1, 128)
    train = cfg.train_dataloader.dataset.pipeline
    assert [t for t in train if t.type == 'MultiScaleCrop'
            ][0].input_size == 112


def test_set_epochs_keeps_cosine_to_the_end():
    from mmengine.config import Config
    cfg = Config.fromfile('configs/demo/tdn_toy-motion.py')
    set_epochs(cfg, 3)
    warmup, cosine = cfg.param_scheduler
    assert (warmup.begin, warmup.end) == (0, 1)
    assert (cosine.begin, cosine.end, cosine.T_max) == (1, 3, 2)


def test_datasets_of_walks_through_wrappers():
    from mmengine.config import Config
    cfg = Config.fromfile('configs/demo/tdn_toy-motion.py')
    cfg.train_dataloader.dataset = dict(type='RepeatDataset', times=2,
                                        dataset=cfg.train_dataloader.dataset)
    found = dict(datasets_of(cfg))
    assert set(found) == {'train', 'val', 'test'}
    assert found['train'].type == 'VideoDataset'


def test_set_num_classes_reaches_tpn_auxiliary_head():
    from mmengine.config import Config
    cfg = Config.fromfile('configs/demo/tpn_toy-motion.py')
    set_num_classes(cfg, 7)
    assert cfg.model.cls_head.num_classes == 7
    assert cfg.model.neck.aux_head_cfg.out_channels == 7


def _mmaction(path: str):
    from mmengine.config import Config

    from tdn_plugin.utils.config_path import resolve_config
    return Config.fromfile(resolve_config('mmaction::recognition/' + path))


def test_pretrained_sources_are_found_at_any_depth_and_cleared():
    from tdn_plugin.utils.config_edit import pretrained_sources
    cfg = _mmaction('i3d/i3d_imagenet-pretrained-r50_8xb8-32x2x1-100e_'
                    'kinetics400-rgb.py')
    cfg.model.cls_head.init_cfg = [
        dict(type='Pretrained', checkpoint='head.pth'),
        dict(type='Normal', layer='Linear', std=0.01)]
    cfg.load_from = 'whole.pth'
    assert pretrained_sources(cfg) == ['torchvision://resnet50', 'head.pth',
                                       'whole.pth']
    assert pretrained_sources(cfg, clear=True) == [
        'torchvision://resnet50', 'head.pth', 'whole.pth']
    assert pretrained_sources(cfg) == []
    assert cfg.model.backbone.pretrained2d is False
    assert cfg.model.cls_head.init_cfg == [
        dict(type='Normal', layer='Linear', std=0.01)]


def test_a_tsm_without_weights_does_not_inflate_2d_ones():
    """ResNetTSM loads ImageNet weights whenever pretrained2d (default
    True) is set, even with pretrained=None (host notes, trap 13)."""
    from tdn_plugin.utils.config_edit import pretrained_sources
    cfg = _mmaction('tsm/tsm_imagenet-pretrained-r50_8xb16-1x1x8-50e_'
                    'kinetics400-rgb.py')
    cfg.model.backbone.pretrained = None
    assert pretrained_sources(cfg) == []
    assert cfg.model.backbone.pretrained2d is False


def test_recipe_lr_base_and_segments_of_mmaction2_configs():
    from tdn_plugin.utils.config_edit import (
        base_batch_size,
        read_videos,
        test_segments_as_trained,
    )
    slowfast = _mmaction('slowfast/slowfast_r50_8xb8-4x16x1-256e_'
                         'kinetics400-rgb.py')
    assert 'auto_scale_lr' not in slowfast
    assert base_batch_size(slowfast) == 64  # 8 GPUs x 8, from the name
    tsn = _mmaction('tsn/tsn_imagenet-pretrained-r50_8xb32-1x1x3-100e_'
                    'kinetics400-rgb.py')
    test_segments_as_trained(tsn)  # 25 test segments -> the 3 trained
    assert [t.num_clips for t in tsn.test_dataloader.dataset.pipeline
            if t.type == 'SampleFrames'] == [3]
    trn = _mmaction('trn/trn_imagenet-pretrained-r50_8xb16-1x1x8-50e_'
                    'sthv1-rgb.py')
    read_videos(trn)
    dataset = trn.train_dataloader.dataset
    assert dataset.type == 'VideoDataset'
    types = [t.type for t in dataset.pipeline]
    assert types[0] == 'DecordInit' and 'RawFrameDecode' not in types
    assert types.index('DecordDecode') == types.index('SampleFrames') + 1


def test_set_input_size_gives_mmaction2_random_crop_its_size():
    """MMAction2's RandomCrop takes `size` (C3D's and TimeSformer's train
    pipelines): the edited pipeline builds."""
    from mmaction.registry import TRANSFORMS
    from mmengine.config import Config
    cfg = Config(dict(
        model=dict(backbone=dict(type='C3D')),
        train_dataloader=dict(dataset=dict(type='VideoDataset', pipeline=[
            dict(type='Resize', scale=(-1, 128)),
            dict(type='RandomCrop', size=112)]))))
    set_input_size(cfg, 64)
    resize, crop = cfg.train_dataloader.dataset.pipeline
    assert crop.size == 64 and 'crop_size' not in crop
    assert resize.scale == (-1, 73)
    TRANSFORMS.build(crop)


def test_set_video_decoder_walks_every_decord_decode():
    import pytest

    from tdn_plugin.utils.config_edit import read_videos, set_video_decoder
    tsm = _mmaction('tsm/tsm_imagenet-pretrained-r50_8xb16-1x1x8-50e_'
                    'kinetics400-rgb.py')
    tsm.train_dataloader.dataset = dict(  # through a wrapper, options kept
        type='RepeatDataset', times=2, dataset=tsm.train_dataloader.dataset)
    tsm.train_dataloader.dataset.dataset.pipeline[2] = dict(
        type='DecordDecode', mode='efficient')
    set_video_decoder(tsm, 'own')
    assert [t for _, d in datasets_of(tsm) for t in d.pipeline
            if t['type'] == 'DecordWalkDecode'] == []
    set_video_decoder(tsm)
    decoders = [t for _, d in datasets_of(tsm) for t in d.pipeline
                if 'Decode' in t['type']]
    assert [t['type'] for t in decoders] == ['DecordWalkDecode'] * 3
    assert decoders[0]['mode'] == 'efficient'
    trn = _mmaction('trn/trn_imagenet-pretrained-r50_8xb16-1x1x8-50e_'
                    'sthv1-rgb.py')
    read_videos(trn)  # rawframes read as videos, then walked too
    set_video_decoder(trn, 'walk')
    assert 'DecordWalkDecode' in [t.type for t in
                                  trn.test_dataloader.dataset.pipeline]
    with pytest.raises(ValueError, match='decoder'):
        set_video_decoder(trn, 'fast')
