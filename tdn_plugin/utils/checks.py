"""Checks that turn wrong configs and checkpoints into clear errors before
any long work starts."""
import os
import os.path as osp
from typing import Iterator, List, Optional, Tuple

import torch
from mmengine.config import Config

from .config_edit import datasets_of
from .dependencies import require_extra
from .errors import MissingFileError, OutputError, UsageError, UserError


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


def check_new_file(path: str, overwrite: bool = False) -> str:
    """:func:`check_output_file`, and ``path`` is not there yet unless
    ``overwrite``: an existing output is never replaced silently.

    Args:
        path (str): The file to be written.
        overwrite (bool): Replacing it is asked for. Defaults to False.

    Returns:
        str: ``path``.

    Raises:
        OutputError: It exists (without ``overwrite``), or
            :func:`check_output_file`'s.
    """
    check_output_file(path)
    if osp.exists(path) and not overwrite:
        raise OutputError(f'{path} exists: give --overwrite to replace it')
    return path


def check_output_folder(path: str, what: str = 'folder') -> str:
    """Make sure ``path`` is, or can be made, a folder that can be
    written, before the work that fills it (nothing is created here): a
    file there (or on the way to it) or an unwritable place is one clear
    error.

    Args:
        path (str): The folder.
        what (str): How the message names it (e.g. ``'--work-dir'``).
            Defaults to 'folder'.

    Returns:
        str: ``path``.

    Raises:
        OutputError: ``path`` or a folder above it is a file, or it cannot
            be written.
    """
    existing = osp.abspath(path)
    while not osp.exists(existing):
        existing = osp.dirname(existing)
    if not osp.isdir(existing):
        where = 'it' if existing == osp.abspath(path) else existing
        raise OutputError(f'{what} {path} cannot be a folder: {where} is a '
                          'file')
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(f'cannot write {what} {path}: {existing} is not '
                          'writable')
    return path


def check_input_file(path: str, what: str = 'file') -> str:
    """Raise a one-line :class:`MissingFileError` unless ``path`` is a
    readable file.

    Args:
        path (str): The file.
        what (str): How the message names it. Defaults to 'file'.

    Returns:
        str: ``path``.
    """
    if osp.isdir(path):
        raise MissingFileError(f'{what} {path} is a folder, not a file')
    if not osp.isfile(path):
        raise MissingFileError(f'{what} not found: {path}')
    if not os.access(path, os.R_OK):
        raise MissingFileError(f'cannot read {what} {path}')
    return path


def check_input_list(path: str, what: str = 'list') -> str:
    """:func:`check_input_file`, and the file is text with at least one
    entry (a non-empty line).

    Args:
        path (str): The list (video list, class names).
        what (str): How the message names it. Defaults to 'list'.

    Returns:
        str: ``path``.

    Raises:
        MissingFileError: It is not there or no file.
        UsageError: It is empty or not text.
    """
    check_input_file(path, what)
    try:
        with open(path, encoding='utf-8') as f:
            entries = any(line.strip() for line in f)
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f'cannot read {what} {path} as text: '
                         f'{getattr(error, "reason", None) or error}'
                         ) from None
    if not entries:
        raise UsageError(f'{what} {path} is empty: no entries')
    return path


def check_input_folder(path: str, what: str = 'folder') -> str:
    """Raise a one-line :class:`MissingFileError` unless ``path`` is a
    folder."""
    if osp.isfile(path):
        raise MissingFileError(f'{what} {path} is a file, not a folder')
    if not osp.isdir(path):
        raise MissingFileError(f'{what} not found: {path}')
    return path


def check_at_least(what: str, value, least) -> None:
    """Raise a one-line :class:`UsageError` if a number (or any of a list
    of them) is below ``least``."""
    for number in value if isinstance(value, (list, tuple)) else [value]:
        if number is not None and number < least:
            raise UsageError(f'{what} must be at least {least}, got '
                             f'{number}')


def check_above_zero(what: str, value) -> None:
    """Raise a one-line :class:`UsageError` if a number is not above 0."""
    if value is not None and not value > 0:
        raise UsageError(f'{what} must be above 0, got {value}')


# Every ``tdn`` command's options, by their argparse ``dest``: the one
# table of what each must be, checked by :func:`check_arguments` before a
# command starts its work.
AT_LEAST = dict(
    epochs=1, input_size=1, batch_size=1, num_workers=0, threads=1,
    repeats=1, latency_rounds=1, calib_clips=1, eval_clips=0, opset=7,
    min_frames=1, jobs=1, videos_per_class=1, val_per_class=0, seed=0,
    size=1, batch=1, train_batch=0, pipeline_videos=0, shape=1,
    local_rank=0)
ABOVE_ZERO = ('tolerance', )
INPUT_FILES = ('checkpoint', 'src', 'model', 'dumps', 'families')
INPUT_LISTS = ('train_list', 'val_list', 'classes', 'labels', 'ann')
INPUT_FOLDERS = ('data_root', 'from_work_dirs')
OUTPUT_FILES = ('json', 'dst', 'dump')
# replaced where generated (tdn demo --markdown: its own rule)
REPLACED_FILES = ('markdown', )
OUTPUT_FOLDERS = ('work_dir', 'data_dir', 'dir')
POSITIONAL = ('checkpoint', 'src', 'dst', 'dumps', 'dir', 'videos')
RUNTIME_MODULES = dict(onnxruntime=('onnx', 'onnxruntime'),
                       openvino=('onnx', 'openvino'))


def _option(dest: str) -> str:
    """How a message names an option: ``--val-list``, or ``checkpoint``."""
    return dest if dest in POSITIONAL else '--' + dest.replace('_', '-')


def _extra_modules(command: str, args: dict) -> List[str]:
    """The modules of the ``deploy`` extra that a command needs."""
    if command == 'export':
        return ['onnx'] + (['onnxruntime'] if args.get('check') or args.get(
            'int8') else []) + (['openvino'] if args.get('openvino') else [])
    if command == 'infer':
        return list(RUNTIME_MODULES.get(args.get('backend'), ()))
    if command == 'benchmark':
        modules = [m for backend in args.get('backends') or ()
                   for m in RUNTIME_MODULES.get(backend, ())]
        return modules + (['onnx', 'onnxruntime', 'openvino']
                          if args.get('int8_accuracy') else [])
    return []


def _check_infer_outputs(args: dict) -> None:
    """``tdn infer``: its videos (at least one there) and ``--out`` (an
    ``.mp4`` for one video, else a folder)."""
    from .video_io import list_videos
    videos = list_videos(args['videos'])
    if not any(osp.isfile(v) for v in videos):
        raise MissingFileError('no video found in ' + ' '.join(
            args['videos']))
    out = args.get('out')
    if out and out.endswith('.mp4') and len(videos) == 1 and \
            not osp.isdir(out):
        check_new_file(out, args.get('overwrite', False))
    elif out:
        check_output_folder(out, '--out')


def check_arguments(command: str, args: dict) -> None:
    """Check a ``tdn`` command's arguments before it starts any work: the
    numbers in range (:data:`AT_LEAST`, :data:`ABOVE_ZERO`), the files,
    lists and folders it reads there (lists not empty), the files and
    folders it writes creatable, a file it writes not there yet unless
    ``--overwrite`` (:func:`check_new_file`), and the extra it needs
    installed.

    Args:
        command (str): The subcommand, e.g. ``'compare'``.
        args (dict): Its parsed arguments (``vars(namespace)``).

    Raises:
        UserError: The first problem, on one line.
    """
    args = {k: v for k, v in args.items() if v is not None}
    for dest, least in AT_LEAST.items():
        if isinstance(args.get(dest), (int, float, list)):
            check_at_least(_option(dest), args[dest], least)
    for dest in ABOVE_ZERO:
        check_above_zero(_option(dest), args.get(dest))
    if command == 'export' and 'views' in args:
        check_at_least('--views', args['views'], 1)
    modules = _extra_modules(command, args)
    if modules:
        require_extra(list(dict.fromkeys(modules)), 'deploy')

    def each(dest):  # the paths of an option (others of its name: none)
        value = args.get(dest)
        values = value if isinstance(value, list) else [value]
        return [v for v in values if isinstance(v, str) and v]

    for dest in INPUT_FILES:
        for path in each(dest):
            if not (dest == 'checkpoint' and path == '-'):
                check_input_file(path, _option(dest))
    if args.get('resume') not in (None, 'auto'):
        check_input_file(args['resume'], '--resume')
    if args.get('int8_accuracy'):
        check_input_file(args['int8_accuracy'][1], '--int8-accuracy')
    for dest in INPUT_LISTS:
        for path in each(dest):
            check_input_list(path, _option(dest))
    for dest in INPUT_FOLDERS:
        for path in each(dest):
            check_input_folder(path, _option(dest))
    overwrite = args.get('overwrite', False)
    for dest in OUTPUT_FILES:
        for path in each(dest):
            check_new_file(path, overwrite)
    for dest in REPLACED_FILES:
        for path in each(dest):
            check_output_file(path)
    if command == 'export' and args.get('out'):
        check_new_file(args['out'], overwrite)
    if command == 'infer' and args.get('videos'):
        _check_infer_outputs(args)
    for dest in OUTPUT_FOLDERS:
        for path in each(dest):
            check_output_folder(path, _option(dest))


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
