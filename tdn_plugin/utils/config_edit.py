"""Config edits that put MMAction2 recognizer configs on one budget: the
input size, the epochs (with their schedulers) and the number of classes,
for any split's pipeline and through dataset wrappers. ``tdn compare`` and
``tdn demo`` apply them (:func:`tdn_plugin.apis.compare.prepare_config`);
the test protocol is :func:`tdn_plugin.utils.views.set_test_views`.
"""
from typing import List, Tuple


def datasets_of(cfg) -> List[Tuple[str, dict]]:
    """(split, dataset) of each loader, through dataset wrappers."""
    found = []
    for split in ('train', 'val', 'test'):
        dataset = (cfg.get(f'{split}_dataloader') or {}).get('dataset')
        while isinstance(dataset, dict):
            if 'pipeline' in dataset:
                found.append((split, dataset))
                break
            dataset = dataset.get('dataset')
    return found


def loaders_of(cfg) -> list:
    """The config's train, val and test dataloaders that are set."""
    return [cfg[key] for key in ('train_dataloader', 'val_dataloader',
                                 'test_dataloader') if cfg.get(key)]


def set_input_size(cfg, size: int) -> None:
    """Make every split's input ``size`` x ``size``: square fixed-size
    resizes and crops (centre, three, ten, multi-scale, random-resized
    outputs) take ``size``; a short-side resize scales with the crop it
    precedes (e.g. 256 before a 224 crop becomes ``size * 256 / 224``)."""
    for _, dataset in datasets_of(cfg):
        pipeline = dataset.pipeline
        crops = [t.get('crop_size') or t.get('input_size') for t in pipeline
                 if t.get('type') in ('CenterCrop', 'ThreeCrop', 'TenCrop',
                                      'MultiScaleCrop', 'RandomCrop')]
        crop = crops[0] if crops else None
        crop = crop[0] if isinstance(crop, (tuple, list)) else crop
        for transform in pipeline:
            kind = transform.get('type')
            scale = transform.get('scale')
            if kind == 'Resize' and isinstance(scale, (tuple, list)):
                if not transform.get('keep_ratio', True) and \
                        scale[0] == scale[1]:
                    transform['scale'] = (size, size)
                elif scale[0] == -1 and crop:
                    transform['scale'] = (-1, round(size * scale[1] / crop))
            elif kind in ('CenterCrop', 'ThreeCrop', 'TenCrop',
                          'RandomCrop'):
                transform['crop_size'] = size
            elif kind == 'MultiScaleCrop':
                transform['input_size'] = size


def set_epochs(cfg, epochs: int) -> None:
    """Train for ``epochs``: schedulers that would begin later are dropped,
    the others end at ``epochs`` at the latest (a cosine spans what is
    left)."""
    old = cfg.train_cfg.max_epochs
    cfg.train_cfg.max_epochs = epochs
    cfg.train_cfg.val_interval = epochs
    schedulers = []
    for scheduler in cfg.get('param_scheduler') or []:
        begin = scheduler.get('begin', 0)
        if begin >= epochs:
            continue
        end = min(scheduler.get('end', old), epochs)
        scheduler['end'] = end
        if 'T_max' in scheduler:
            scheduler['T_max'] = end - begin
        if 'milestones' in scheduler:
            scheduler['milestones'] = [
                m for m in scheduler['milestones'] if m < end
            ] or [end]
        schedulers.append(scheduler)
    cfg.param_scheduler = schedulers


def set_num_classes(cfg, num_classes: int) -> None:
    """Classes of the head (and of TPN's auxiliary head)."""
    cfg.model.cls_head.num_classes = num_classes
    neck = cfg.model.get('neck')
    if isinstance(neck, dict) and isinstance(neck.get('aux_head_cfg'), dict):
        neck.aux_head_cfg.out_channels = num_classes
