"""The shipped configs: they load, build, agree with themselves and with
their names, and (one per dataset) run a train and a test step.

Every ``*.py`` under ``configs/tdn``, ``configs/gtdnet`` and ``configs/demo``
is checked (``_base_`` parts excepted). Nothing runs at 224: the step tests
push a fake video through the config's own pipelines with every spatial size
divided by 7 (224 -> 32, 256 -> 36), keeping the frame count and the views.
"""
import copy
import functools
import inspect
import math
import re
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from mmaction.registry import MODELS, TRANSFORMS
from mmaction.utils import register_all_modules
from mmengine import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import build_optim_wrapper

import tdn_plugin  # noqa: F401  (first: repairs the PyPI mmaction2 stack)

ROOT = Path(__file__).resolve().parents[2]
CONFIG_DIRS = ('configs/tdn', 'configs/gtdnet', 'configs/demo')
CONFIGS = sorted(
    path.relative_to(ROOT).as_posix() for folder in CONFIG_DIRS
    for path in (ROOT / folder).rglob('*.py')
    if '_base_' not in path.parts and '__pycache__' not in path.parts)
TDN_CONFIGS = [c for c in CONFIGS if c.startswith('configs/tdn/')]

# one per dataset for the train / test steps (R50: cheap to build)
STEP_CONFIGS = {
    'sthv1': 'tdn_imagenet-pretrained-r50_8xb8-5x1x8-60e_sthv1-rgb.py',
    'sthv2': 'tdn_imagenet-pretrained-r50_8xb8-5x1x8-60e_sthv2-rgb.py',
    'kinetics400':
    'tdn_imagenet-pretrained-r50_8xb16-5x1x8-100e_kinetics400-rgb.py',
    'ucf101':
    'tdn_kinetics400-pretrained-r50_8xb16-5x1x16-25e_ucf101-split1-rgb.py',
    'hmdb51':
    'tdn_kinetics400-pretrained-r50_8xb16-5x1x16-25e_hmdb51-split1-rgb.py',
}
DECODE_INIT = {'DecordInit', 'OpenCVInit', 'PyAVInit'}
DECODE = {'DecordDecode', 'DecordWalkDecode', 'OpenCVDecode', 'PyAVDecode', 'RawFrameDecode'}
SAMPLERS = {'TDNSampleFrames', 'SampleFrames'}
CROPS = {'ThreeCrop': 3, 'TenCrop': 10}
SPLITS = ('train', 'val', 'test')
# {algo}_{pretrain}-{backbone}_{G}xb{B}-[extra-]{F}x{I}x{T}-{E}e_{data}
NAME = re.compile(r'_(\d+)xb(\d+)-(?:[a-z0-9-]+-)?(\d+)x(\d+)x(\d+)-(\d+)e_')

register_all_modules(init_default_scope=True)


@functools.lru_cache(maxsize=None)
def load(path: str) -> Config:
    """The config (shared between tests: copy before changing it)."""
    return Config.fromfile(str(ROOT / path))


def pipeline(cfg: Config, split: str) -> list:
    return cfg[f'{split}_dataloader']['dataset']['pipeline']


def sampler(steps: list):
    found = [s for s in steps if s['type'] in SAMPLERS]
    assert len(found) <= 1, f'several frame samplers: {found}'
    return found[0] if found else None


def arg(module_cfg: dict, name: str):
    """``module_cfg[name]``, else the registered class's default (None if
    the class has no such argument)."""
    if name in module_cfg:
        return module_cfg[name]
    cls = MODELS.get(module_cfg['type'])
    assert cls is not None, f'{module_cfg["type"]} is not registered'
    param = inspect.signature(cls).parameters.get(name)
    return None if param is None else param.default


def segments_and_frames(step: dict) -> tuple:
    """(segments T, consecutive frames per segment F) of a sampler step."""
    if step['type'] == 'TDNSampleFrames':
        return step['num_segments'], step.get('frames_per_segment', 5)
    return step['num_clips'], step.get('clip_len', 1)  # TSN-style


def model_cfg(cfg: Config) -> dict:
    model = copy.deepcopy(cfg.model)
    if 'pretrained' in model.get('backbone', {}):
        model['backbone']['pretrained'] = None
    return model


# ---------------------------------------------------------------- all configs
def test_configs_found():
    assert len(TDN_CONFIGS) >= 14, TDN_CONFIGS


@pytest.mark.parametrize('path', CONFIGS)
def test_config_loads_with_custom_imports(path):
    cfg = load(path)
    assert cfg.get('custom_imports') == dict(
        imports=['tdn_plugin'], allow_failed_imports=False)
    assert cfg.get('default_scope') == 'mmaction'
    for split in SPLITS:
        assert pipeline(cfg, split), f'{split} pipeline is empty'


@functools.lru_cache(maxsize=None)
def metafile() -> dict:
    """configs/tdn/metafile.yml's models by config path."""
    with open(ROOT / 'configs/tdn/metafile.yml') as f:
        models = yaml.safe_load(f)['Models']
    return {m['Config']: m for m in models}


_PARAMS = {}  # model dict (as text) -> parameters of its build


@pytest.mark.parametrize('path', CONFIGS)
def test_config_builds(path):
    """Builds with pretrained=None; a TDN config has the parameter count its
    metafile entry states."""
    model = model_cfg(load(path))
    key = Config(dict(model=model)).pretty_text
    if key not in _PARAMS:  # an identical model dict is not built twice
        recognizer = MODELS.build(model)
        _PARAMS[key] = sum(p.numel() for p in recognizer.parameters())
        del recognizer
    assert _PARAMS[key] > 0
    if path in metafile():
        stated = metafile()[path]['Metadata']['Parameters']
        assert stated == f'{_PARAMS[key] / 1e6:.2f}M', (stated, _PARAMS[key])


def test_metafile_lists_every_tdn_config():
    listed = metafile()
    assert sorted(listed) == TDN_CONFIGS
    for path, entry in listed.items():
        assert entry['Name'] == Path(path).stem
        assert entry['In Collection'] == 'TDN'
        assert re.fullmatch(r'\d+\.\d\dG', entry['Metadata']['FLOPs'])
        assert entry['Results'][0]['Metrics']['Top 1 Accuracy'] > 0


@pytest.mark.parametrize('path', CONFIGS)
def test_segments_consistent(path):
    """The sampler of every split, the backbone and the head agree on T (and
    on F, for backbones that read several frames per segment)."""
    cfg = load(path)
    if cfg.model.type == 'Recognizer3D':
        pytest.skip('a 3D clip has no segments')
    steps = [sampler(pipeline(cfg, split)) for split in SPLITS]
    if not any(steps):
        pytest.skip('no frame sampler in the pipelines')
    backbone, head = cfg.model.backbone, cfg.model.cls_head
    t_backbone = arg(backbone, 'num_segments')
    t_head = arg(head, 'num_segments')
    # backbones without frames_per_segment read one frame per segment
    f_backbone = arg(backbone, 'frames_per_segment') or 1
    for split, step in zip(SPLITS, steps):
        assert step is not None, f'{split} pipeline has no frame sampler'
        t, f = segments_and_frames(step)
        if t_backbone is not None:
            assert t == t_backbone, (split, step, backbone)
        if t_head is not None:
            assert t == t_head, (split, step, head)
        assert f == f_backbone, (split, step, backbone)


@pytest.mark.parametrize('path', CONFIGS)
def test_name_matches_config(path):
    """{G}xb{B}, {F}x{I}x{T} and {E}e of the file name are what it runs."""
    match = NAME.search(Path(path).name)
    if match is None:
        pytest.skip('name does not follow the MMAction2 scheme')
    gpus, batch, frames, interval, clips, epochs = map(int, match.groups())
    cfg = load(path)
    assert cfg.train_dataloader.batch_size == batch
    assert cfg.auto_scale_lr.base_batch_size == gpus * batch
    assert cfg.train_cfg.max_epochs == epochs
    for split in SPLITS:
        step = sampler(pipeline(cfg, split))
        if step is None:
            continue
        assert segments_and_frames(step) == (clips, frames), (split, step)
        assert step.get('frame_interval', 1) == interval, (split, step)


@pytest.mark.parametrize('path', TDN_CONFIGS)
def test_tdn_recipe(path):
    """The release's recipe: SGD with one lr / weight decay for all
    parameters (default constructor, no paramwise options), grad-norm clip
    20, no warm-up, step decay."""
    cfg = load(path)
    optim = cfg.optim_wrapper
    assert optim.get('constructor') in (None,
                                        'DefaultOptimWrapperConstructor')
    assert not optim.get('paramwise_cfg')
    assert optim.optimizer.type == 'SGD'
    assert optim.optimizer.momentum == 0.9
    assert optim.clip_grad == dict(max_norm=20, norm_type=2)
    assert [s.type for s in cfg.param_scheduler] == ['MultiStepLR']
    assert cfg.model.backbone.type == 'ResNetTDN'
    assert cfg.model.backbone.get('partial_bn', False) is False


# ------------------------------------------- pipelines on a fake video
def small(size: int) -> int:
    return max(size // 7, 8)


def shrink(step: dict) -> dict:
    """The step with its spatial sizes divided by 7."""
    step = copy.deepcopy(dict(step))
    kind = step['type']
    if kind == 'Resize':
        step['scale'] = tuple(s if s == -1 else small(s)
                              for s in step['scale'])
    elif kind == 'MultiScaleCrop':
        size = step['input_size']
        step['input_size'] = (small(size) if isinstance(size, int) else
                              tuple(small(s) for s in size))
    elif kind in ('CenterCrop', 'ThreeCrop', 'TenCrop'):
        step['crop_size'] = small(step['crop_size'])
    return step


def run_pipeline(steps: list, num_frames: int = 48, label: int = 0):
    """The config's pipeline on a random 30x40 video; decoding is faked."""
    rng = np.random.default_rng(0)
    video = rng.integers(0, 256, (num_frames, 30, 40, 3), dtype=np.uint8)
    results = dict(filename='fake.mp4', total_frames=num_frames,
                   start_index=0, label=label, modality='RGB')
    for step in steps:
        if step['type'] in DECODE_INIT:
            continue
        if step['type'] in DECODE:
            inds = results['frame_inds']
            assert inds.min() >= 0 and inds.max() < num_frames
            results['imgs'] = [video[i] for i in inds]
            results['original_shape'] = results['img_shape'] = (30, 40)
            continue
        results = TRANSFORMS.build(shrink(step))(results)
    return results


def expected_views(steps: list) -> int:
    crops = math.prod(CROPS.get(s['type'], 1) for s in steps)
    step = sampler(steps)
    if step['type'] == 'TDNSampleFrames':
        return step.get('num_clips', 1) * crops
    # TSN-style SampleFrames: its num_clips are the segments of one view
    return (1 + bool(step.get('twice_sample'))) * crops


@pytest.mark.parametrize('path', [
    c for c in CONFIGS
    if any(s['type'] == 'TDNSampleFrames' for s in pipeline(load(c), 'test'))
])
def test_pipelines_give_whole_views(path):
    """Train / val: one view of T*F frames; test: num_clips x crops views."""
    cfg = load(path)
    segments = arg(cfg.model.backbone, 'num_segments')
    frames = arg(cfg.model.backbone, 'frames_per_segment') or 1
    for split in SPLITS:
        steps = pipeline(cfg, split)
        packed = run_pipeline(steps)
        inputs = packed['inputs']
        views = expected_views(steps)
        if split != 'test':
            assert views == 1
        assert inputs.dtype == torch.uint8
        assert tuple(inputs.shape[:2]) == (views * segments * frames, 3), \
            (split, inputs.shape)


# ------------------------------------------------- train / test steps
# hmdb51 and ucf101 are the same recipe as kinetics400 at other class counts:
# the fast subset keeps the others
@pytest.mark.parametrize('dataset', [
    pytest.param(name, marks=pytest.mark.slow)
    if name in ('hmdb51', 'ucf101') else name for name in STEP_CONFIGS
])
def test_train_and_test_step(dataset):
    path = f'configs/tdn/{STEP_CONFIGS[dataset]}'
    cfg = load(path)
    torch.manual_seed(0)
    model = MODELS.build(model_cfg(cfg))
    model.init_weights()
    num_classes = cfg.model.cls_head.num_classes

    # train step: the config's train pipeline and optimizer (clip included)
    packed = run_pipeline(pipeline(cfg, 'train'), label=num_classes - 1)
    assert packed['inputs'].shape[-2:] == (32, 32)
    optim_wrapper = build_optim_wrapper(model, copy.deepcopy(
        cfg.optim_wrapper))
    fc = model.cls_head.fc_cls.weight.detach().clone()
    model.train()
    log_vars = model.train_step(pseudo_collate([packed]), optim_wrapper)
    assert torch.isfinite(log_vars['loss'])
    assert not torch.equal(fc, model.cls_head.fc_cls.weight)

    # test step: every view of the config's test pipeline, one score
    packed = run_pipeline(pipeline(cfg, 'test'))
    model.eval()
    with torch.no_grad():
        (sample, ) = model.test_step(pseudo_collate([packed]))
    score = sample.pred_score
    assert score.shape == (num_classes, )
    assert torch.isfinite(score).all()
    assert torch.allclose(score.sum(), torch.tensor(1.0), atol=1e-4)
