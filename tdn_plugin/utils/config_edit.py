"""Config edits that put MMAction2 recognizer configs on one budget: the
input size, the epochs (with their schedulers) and the number of classes,
for any split's pipeline and through dataset wrappers; ``tdn compare`` and
``tdn demo`` apply them (:func:`tdn_plugin.apis.compare.prepare_config`):
the data, the pretrained sources, the bad-video policy and the training
recipe; the test protocol is :func:`tdn_plugin.utils.views.set_test_views`.
"""
import copy
import re
from pathlib import Path
from typing import Any, Iterator, List, Optional, Sequence, Tuple


def dataset_leaves(dataset) -> Iterator[dict]:
    """The datasets that read data inside a dataset config: through the
    ``dataset`` of wrappers (RepeatDataset, SkipBadVideos, ...) and the
    ``datasets`` of ConcatDataset; a dataset with a ``pipeline`` or an
    ``ann_file`` is a leaf."""
    if not isinstance(dataset, dict):
        return
    if 'pipeline' in dataset or 'ann_file' in dataset or not (
            'dataset' in dataset or 'datasets' in dataset):
        yield dataset
        return
    for inner in dataset.get('datasets') or [dataset.get('dataset')]:
        yield from dataset_leaves(inner)


def datasets_of(cfg, splits: Sequence[str] = ('train', 'val', 'test')
                ) -> List[Tuple[str, dict]]:
    """(split, dataset) of each loader's datasets that read data, through
    dataset wrappers (:func:`dataset_leaves`), in split order."""
    return [(split, leaf) for split in splits for leaf in dataset_leaves(
        (cfg.get(f'{split}_dataloader') or {}).get('dataset'))]


def loaders_of(cfg) -> list:
    """The config's train, val and test dataloaders that are set."""
    return [cfg[key] for key in ('train_dataloader', 'val_dataloader',
                                 'test_dataloader') if cfg.get(key)]


def set_input_size(cfg, size: int) -> None:
    """Make every split's input ``size`` x ``size``: square fixed-size
    resizes and crops (centre, three, ten, multi-scale, random-resized
    outputs) take ``size``; a short-side resize scales with the crop it
    precedes (e.g. 256 before a 224 crop becomes ``size * 256 / 224``); a
    backbone built for one image size (a video transformer's
    ``img_size``) takes ``size``."""
    backbone = cfg.model.get('backbone') or {}
    if 'img_size' in backbone:
        backbone['img_size'] = size
    for _, dataset in datasets_of(cfg):
        pipeline = dataset.pipeline
        crops = [t.get('crop_size') or t.get('input_size') or t.get('size')
                 for t in pipeline
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
            elif kind in ('CenterCrop', 'ThreeCrop', 'TenCrop'):
                transform['crop_size'] = size
            elif kind == 'RandomCrop':  # MMAction2's takes `size`
                transform['size'] = size
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


def set_data(cfg, data_root: Optional[str] = None,
             train_list: Optional[str] = None,
             val_list: Optional[str] = None) -> None:
    """Point every split at one data set: ``data_root`` is every split's
    video prefix, ``train_list`` the train split's list, ``val_list`` the
    val and test splits' (None keeps the config's)."""
    for split, dataset in datasets_of(cfg):
        if data_root is not None:
            dataset.data_prefix = dict(video=str(data_root))
        ann = train_list if split == 'train' else val_list
        if ann is not None:
            dataset.ann_file = str(ann)


# the choices of ``tdn compare --pretrained`` and ``--recipe``
PRETRAINED = ('keep', 'none')
RECIPES = ('shared', 'own')
# video decoders of tdn compare: the plugin's forward walk for all, or each
# config's own
DECODERS = ('walk', 'own')


def _inflates_2d(module: dict) -> bool:
    """Whether a module config would inflate 2D weights that it does not
    name (``pretrained2d``, on by default in MMAction2's ResNetTSM and 3D
    ResNets, with no ``pretrained`` string: trap 13 of the host notes)."""
    import inspect

    from mmaction.registry import MODELS
    if isinstance(module.get('pretrained'), str) or \
            module.get('pretrained2d') is False:
        return False
    if module.get('pretrained2d'):
        return True
    kind = MODELS.get(module['type']) if isinstance(
        module.get('type'), str) else None
    return kind is not None and 'pretrained2d' in inspect.signature(
        kind.__init__).parameters


def _walk_pretrained(node: Any, clear: bool, found: List[str]) -> None:
    """Collect (and with ``clear``, remove) the pretrained sources of a
    model config: ``pretrained``, ``pretrained2d`` and ``init_cfg``
    entries of type ``Pretrained``, at any depth; a module that would
    inflate 2D weights it does not name gets ``pretrained2d=False``."""
    if isinstance(node, dict) and 'type' in node and _inflates_2d(node):
        node['pretrained2d'] = False
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in list(items):
        if key == 'pretrained' and isinstance(value, str):
            found.append(value)
            if clear:
                node[key] = None
                node.pop('pretrained2d', None)
                if _inflates_2d(node):
                    node['pretrained2d'] = False
        elif key == 'init_cfg' and value:
            inits = value if isinstance(value, (list, tuple)) else [value]
            kept = [i for i in inits if i.get('type') != 'Pretrained']
            found += [i.get('checkpoint', '') for i in inits if i not in kept]
            if clear:
                node[key] = kept or None
        elif isinstance(value, (dict, list, tuple)):
            _walk_pretrained(value, clear, found)


def pretrained_sources(cfg, clear: bool = False) -> List[str]:
    """The checkpoints a config initialises its model from (``pretrained``
    of any module, ``init_cfg`` of type ``Pretrained``, ``load_from``).

    Args:
        cfg (mmengine.Config): The config.
        clear (bool): Also remove them all (and switch ``pretrained2d``
            off, which loads an ImageNet checkpoint whatever ``pretrained``
            says), so that the model trains from scratch. Defaults to False.

    Returns:
        list[str]: The sources found.
    """
    found: List[str] = []
    _walk_pretrained(cfg.model, clear, found)
    if cfg.get('load_from'):
        found.append(str(cfg.load_from))
        if clear:
            cfg.load_from = None
    return found


def set_bad_video_policy(cfg) -> None:
    """The plugin's bad-video policy, whatever the config says: an
    unreadable video is skipped and named in training and scored as a
    blank clip in test (``configs/_base_/bad_videos.py``)."""
    cfg.bad_videos = dict(skip=True, strict=False, max_consecutive=100)
    cfg.runner_type = 'BadVideoRunner'


def base_batch_size(cfg) -> int:
    """The batch a config's lr is meant for: ``auto_scale_lr.
    base_batch_size``, else the ``{G}xb{B}`` of an MMAction2 config name
    (G GPUs x B per GPU), else its batch."""
    scale = cfg.get('auto_scale_lr') or {}
    if 'base_batch_size' in scale:
        return scale['base_batch_size']
    found = re.search(r'_(\d+)xb(\d+)', Path(cfg.filename or '').name)
    return int(found[1]) * int(found[2]) if found else \
        cfg.train_dataloader.batch_size


def recipe_of(cfg) -> dict:
    """A config's training recipe: optimiser (with clip grad), schedule,
    epochs, batch, and the batch its lr is meant for
    (:func:`base_batch_size`)."""
    return dict(
        optim_wrapper=copy.deepcopy(cfg.optim_wrapper),
        param_scheduler=copy.deepcopy(cfg.get('param_scheduler') or []),
        max_epochs=cfg.train_cfg.max_epochs,
        batch_size=cfg.train_dataloader.batch_size,
        base_batch_size=base_batch_size(cfg))


def set_recipe(cfg, recipe: dict) -> None:
    """Train with ``recipe`` (:func:`recipe_of` of another config): its
    optimiser with MMAction2's default constructor (one lr and weight
    decay for all parameters), schedule, epochs and batch."""
    optim = copy.deepcopy(recipe['optim_wrapper'])
    for key in ('constructor', 'paramwise_cfg'):
        optim.pop(key, None)
    cfg.optim_wrapper = optim
    cfg.param_scheduler = copy.deepcopy(recipe['param_scheduler'])
    cfg.train_cfg.max_epochs = recipe['max_epochs']
    cfg.train_dataloader.batch_size = recipe['batch_size']
    cfg.auto_scale_lr = dict(base_batch_size=recipe['base_batch_size'])


def scale_lr_to_batch(cfg) -> None:
    """Have mmengine scale the lr linearly from the batch it is meant for
    (:func:`base_batch_size`) to the batch really used, as MMAction2's
    ``--auto-scale-lr``."""
    cfg.auto_scale_lr = dict(enable=True, base_batch_size=base_batch_size(cfg))


def recipe_summary(cfg) -> dict:
    """What a config trains with, for a report: optimiser (and the lr
    really used), clip grad, schedule, epochs, batch."""
    optimizer = dict(cfg.optim_wrapper.optimizer)
    batch = cfg.train_dataloader.batch_size
    scale = cfg.get('auto_scale_lr') or {}
    base = scale.get('base_batch_size', batch) if scale.get('enable') \
        else batch
    return dict(optimizer=optimizer, lr=optimizer['lr'] * batch / base,
                clip_grad=cfg.optim_wrapper.get('clip_grad'),
                schedule=[dict(s) for s in cfg.get('param_scheduler') or []],
                epochs=cfg.train_cfg.max_epochs, batch_size=batch)


def test_segments_as_trained(cfg) -> None:
    """A segment sampler in test (``SampleFrames`` with ``clip_len=1``,
    e.g. MMAction2's TSN Kinetics configs: 3 segments in train, 25 in test)
    takes the training sampler's segments, so that a view is what the
    model was trained on."""
    def sampler(split: str) -> Optional[dict]:
        pipeline = dict(datasets_of(cfg)).get(split, {}).get('pipeline', [])
        return next((t for t in pipeline if t.get('type') == 'SampleFrames'
                     and t.get('clip_len', 1) == 1), None)

    train, test = sampler('train'), sampler('test')
    if train is not None and test is not None:
        test['num_clips'] = train.get('num_clips', 1)


def dump_predictions(cfg, path: str) -> None:
    """Make the test dump its predictions to ``path`` (MMAction2's
    DumpResults), instead of any other dump."""
    evaluators = cfg.test_evaluator
    if not isinstance(evaluators, (list, tuple)):
        evaluators = [evaluators]
    cfg.test_evaluator = [e for e in evaluators if e.get('type') !=
                          'DumpResults'] + [dict(type='DumpResults',
                                                 out_file_path=str(path))]


def test_once(cfg, predictions: str) -> None:
    """Test once, after training, dumping the predictions to
    ``predictions``: no validation during training, one last checkpoint
    without the optimiser state."""
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    for key in ('val_begin', 'val_interval'):
        cfg.train_cfg.pop(key, None)
    cfg.default_hooks.checkpoint.update(
        interval=cfg.train_cfg.max_epochs, max_keep_ckpts=1, save_best=None,
        save_optimizer=False, save_param_scheduler=False)
    dump_predictions(cfg, predictions)


def read_videos(cfg) -> None:
    """Make the rawframe datasets of a config (e.g. MMAction2's
    Something-Something configs) read videos instead: ``VideoDataset``,
    with decord decoding where ``RawFrameDecode`` was."""
    for _, dataset in datasets_of(cfg):
        if dataset.get('type') != 'RawframeDataset':
            continue
        dataset.type = 'VideoDataset'
        for key in ('filename_tmpl', 'with_offset', 'start_index'):
            dataset.pop(key, None)
        pipeline = []
        for transform in dataset.pipeline:
            if transform['type'] == 'RawFrameDecode':
                pipeline = [dict(type='DecordInit')] + pipeline + [
                    dict(type='DecordDecode')]
            else:
                pipeline.append(transform)
        dataset.pipeline = pipeline


def set_video_decoder(cfg, decoder: str = 'walk') -> None:
    """Give every video pipeline of a config the same decoder: with
    ``'walk'``, each MMAction2 ``DecordDecode`` becomes the plugin's
    ``DecordWalkDecode`` (the same frames, each decoded once; its options,
    e.g. ``mode``, kept), so data time is compared on equal terms;
    ``'own'`` keeps each config's.

    Args:
        cfg (mmengine.Config): The config, changed in place.
        decoder (str): One of :data:`DECODERS`. Defaults to 'walk'.
    """
    if decoder not in DECODERS:
        raise ValueError(f'decoder must be one of {DECODERS}, got '
                         f'{decoder!r}')
    if decoder == 'own':
        return
    for _, dataset in datasets_of(cfg):
        for transform in dataset.get('pipeline') or []:
            if transform.get('type') in ('DecordDecode',
                                         'mmaction.DecordDecode'):
                transform['type'] = 'DecordWalkDecode'
