"""Checks that turn wrong configs and checkpoints into clear errors before
any long work starts."""
import os
import os.path as osp
from typing import Iterator, List, Optional, Tuple

import torch
from mmengine.config import Config

from .config_edit import datasets_of
from .errors import OutputError, UserError


class ConfigError(UserError, ValueError):
    """A config whose parts do not fit together."""


class CheckpointMismatchError(UserError, ValueError):
    """A checkpoint that does not fit the config's model."""


def _pipelines(cfg: Config) -> Iterator[Tuple[str, list]]:
    """(split, pipeline) of each data loader, through dataset wrappers."""
    for split, dataset in datasets_of(cfg):
        yield split, dataset['pipeline']


def _frames_per_view(transform: dict) -> Optional[Tuple[int, int]]:
    """(segments, frames per segment) a sampling transform gives a view."""
    kind = transform.get('type')
    if kind == 'TDNSampleFrames':
        return transform['num_segments'], transform.get(
            'frames_per_segment', 5)
    if kind == 'SampleFrames' and transform.get('clip_len', 1) == 1:
        return transform.get('num_clips', 1), 1
    return None


def check_output_file(path: str) -> str:
    """Make sure ``path`` can be written before the work that fills it:
    its folder is created, and a folder or an unwritable place is one
    clear error.

    Args:
        path (str): The file to be written.

    Returns:
        str: ``path``.

    Raises:
        OutputError: ``path`` is a folder, or its folder cannot be created
            or written.
    """
    folder = osp.dirname(osp.abspath(path))
    if osp.isdir(path):
        raise OutputError(f'{path} is a folder, not a file to write')
    existing = folder
    while not osp.exists(existing):
        existing = osp.dirname(existing)
    if not osp.isdir(existing):
        raise OutputError(f'cannot write {path}: {existing} is a file, not '
                          'a folder')
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as error:
        raise OutputError(f'cannot create the folder of {path}: '
                          f'{error.strerror or error}') from error
    if not os.access(folder, os.W_OK):
        raise OutputError(f'cannot write to {folder} (for {path})')
    return path


def check_compiler(compile_cfg) -> None:
    """Raise :class:`ConfigError`, one line naming the fix, if a config's
    ``compile`` (mmengine's ``torch.compile`` of the train step) asks for
    inductor, the default backend, on a machine without CUDA and without
    the C++ compiler that inductor builds CPU kernels with (``g++``, or
    ``$CXX``); otherwise the error would come after the data is loaded, at
    the first iteration, as a long traceback.

    Args:
        compile_cfg: The config's ``compile``: None or False (off), True
            (inductor) or a dict of ``torch.compile`` options.
    """
    if not compile_cfg:
        return
    options = compile_cfg if isinstance(compile_cfg, dict) else {}
    if options.get('backend', 'inductor') != 'inductor' or \
            torch.cuda.is_available():
        return
    from torch._inductor import config as inductor_config
    from torch._inductor.cpp_builder import get_cpp_compiler
    from torch._inductor.exc import InvalidCxxCompiler
    try:
        get_cpp_compiler()
    except InvalidCxxCompiler:
        tried = [c for c in inductor_config.cpp.cxx if c]
        raise ConfigError(
            f'compile={compile_cfg!r}: torch.compile\'s inductor backend '
            f'needs a C++ compiler for CPU code and found none (tried '
            f'{", ".join(tried)}): install g++ (or set CXX to one), or '
            'train without compile (--cfg-options compile=False)') from None


def check_config(cfg: Config) -> None:
    """Raise :class:`ConfigError` if a TDN model and its pipelines or head
    disagree on segments and frames, or if its ``compile`` cannot run here
    (:func:`check_compiler`)."""
    check_compiler(cfg.get('compile'))
    model = cfg.get('model') or {}
    backbone = model.get('backbone') or {}
    if backbone.get('type') not in ('ResNetTDN', 'ResNetGTD'):
        return
    segments = backbone.get('num_segments', 8)
    # the backbones' defaults: ResNetTDN 5; ResNetGTD 5 with its S-TDM,
    # else 1
    frames = backbone.get('frames_per_segment') or (
        5 if backbone['type'] == 'ResNetTDN'
        or backbone.get('with_short_term_tdm') else 1)
    name = (f'{backbone["type"]}(num_segments={segments}, '
            f'frames_per_segment={frames})')
    head = model.get('cls_head') or {}
    if 'num_segments' in head and head['num_segments'] != segments:
        raise ConfigError(f'model.cls_head.num_segments={head["num_segments"]}'
                          f' but the backbone is {name}: set both to the '
                          'same T')
    for split, pipeline in _pipelines(cfg):
        for transform in pipeline:
            got = _frames_per_view(transform)
            if got is not None and got != (segments, frames):
                raise ConfigError(
                    f'{split} pipeline: {transform["type"]} gives '
                    f'{got[0]} segments x {got[1]} frames = '
                    f'{got[0] * got[1]} frames per view, but the model\'s '
                    f'backbone {name} needs {segments * frames}')


def state_dict_problems(state_dict: dict, model: torch.nn.Module) -> List[str]:
    """Why ``state_dict`` would not load strictly into ``model``: missing
    and unexpected keys, shape mismatches (empty: it loads)."""
    own = model.state_dict()
    problems = [f'missing in the checkpoint: {k}' for k in own
                if k not in state_dict]
    problems += [f'not in the model: {k}' for k in state_dict if k not in own]
    problems += [
        f'shape of {k}: checkpoint {tuple(v.shape)}, model '
        f'{tuple(own[k].shape)}' for k, v in state_dict.items()
        if k in own and hasattr(v, 'shape') and own[k].shape != v.shape
    ]
    return problems


def _hint(state_dict: dict, model: torch.nn.Module) -> str:
    keys = list(state_dict)
    if any('base_model.' in k for k in keys):
        return (' It is an authors\' release checkpoint: convert it first '
                'with `tdn convert SRC DST`.')
    own = model.state_dict()
    fc = 'cls_head.fc_cls.weight'
    if fc in state_dict and fc in own and \
            state_dict[fc].shape[0] != own[fc].shape[0]:
        return (f' The checkpoint has {state_dict[fc].shape[0]} classes and '
                f'the config {own[fc].shape[0]}: set '
                f'model.cls_head.num_classes={state_dict[fc].shape[0]}.')

    def blocks(sd, layer):
        return len({k.split('.')[2] for k in sd
                    if k.startswith(f'backbone.{layer}.')})

    if blocks(state_dict, 'layer3') != blocks(own, 'layer3'):
        return (f' The checkpoint\'s res4 has {blocks(state_dict, "layer3")} '
                f'blocks, the model\'s {blocks(own, "layer3")}: a different '
                'ResNet depth (e.g. R101 vs R50).')
    return ''


def check_checkpoint(state_dict: dict, model: torch.nn.Module,
                     source: str) -> None:
    """Raise :class:`CheckpointMismatchError` naming every problem."""
    problems = state_dict_problems(state_dict, model)
    if problems:
        shown = '\n  '.join(problems[:20])
        more = f'\n  ... and {len(problems) - 20} more' \
            if len(problems) > 20 else ''
        raise CheckpointMismatchError(
            f'{source} does not fit the config\'s model '
            f'({len(problems)} problem(s)).{_hint(state_dict, model)}\n  '
            f'{shown}{more}')


def load_checkpoint_strictly(target, filename: str) -> torch.nn.Module:
    """Load a checkpoint into a model, or a runner's model, after checking
    that it fits (mmengine's own load is not strict and would only warn):
    the one home of checkpoint loading.

    Args:
        target (nn.Module | Runner): The model or the runner.
        filename (str): The ``.pth`` file.

    Returns:
        nn.Module: The model it was loaded into.

    Raises:
        MissingFileError: ``filename`` is not there.
        CheckpointMismatchError: It does not fit the model.
    """
    import os.path as osp

    from mmengine.model import is_model_wrapper
    from mmengine.runner.checkpoint import _load_checkpoint

    from .errors import MissingFileError
    if not osp.isfile(filename):
        raise MissingFileError(f'checkpoint not found: {filename}')
    model = target if isinstance(target, torch.nn.Module) else target.model
    model = model.module if is_model_wrapper(model) else model
    checkpoint = _load_checkpoint(filename, map_location='cpu')
    state_dict = checkpoint.get('state_dict', checkpoint) if isinstance(
        checkpoint, dict) else checkpoint
    if not isinstance(state_dict, dict):
        raise CheckpointMismatchError(f'{filename} holds no state dict')
    check_checkpoint(state_dict, model, filename)
    model.load_state_dict(state_dict, strict=True)
    return model


def load_recognizer(cfg: Config, checkpoint: Optional[str] = None,
                    device: str = 'cpu') -> torch.nn.Module:
    """``mmaction.apis.init_recognizer`` with a strict, checked load
    (:func:`load_checkpoint_strictly`).

    Args:
        cfg (Config): The model's config.
        checkpoint (str, optional): A ``.pth`` file; None keeps the
            construction weights.
        device (str): Device. Defaults to 'cpu'.

    Returns:
        torch.nn.Module: The recognizer in eval mode, ``model.cfg = cfg``.
    """
    from mmaction.apis import init_recognizer
    model = init_recognizer(cfg, None, device='cpu')
    if checkpoint is not None:
        load_checkpoint_strictly(model, checkpoint)
    return model.to(device).eval()
