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
