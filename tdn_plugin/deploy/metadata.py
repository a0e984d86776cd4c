"""What an exported graph was made from, stored in the graph file
(ONNX ``metadata_props``, OpenVINO ``rt_info``), so that a runtime model
from another config is refused before it gives wrong scores."""
import hashlib
import os.path as osp
from typing import Callable, Dict, Optional, Sequence

import torch

from tdn_plugin.utils.errors import MissingFileError, UserError
from tdn_plugin.utils.views import frames_per_view, views_per_call

from .runtimes import ViewChunks

RT_INFO_SECTION = 'tdn_plugin'


class DeployMismatchError(UserError, ValueError):
    """A runtime model that does not belong to the config or input."""


def config_name(config_path: str) -> str:
    """A config's name: its file name without extension."""
    return osp.splitext(osp.basename(config_path))[0]


def file_sha256(path: str) -> str:
    """Hex SHA-256 of a file."""
    with open(path, 'rb') as f:
        return hashlib.file_digest(f, 'sha256').hexdigest()


def _identity(config_path: str, model: torch.nn.Module) -> Dict[str, str]:
    """What ties a graph to its config: name, classes, frames per view."""
    return dict(config=config_name(config_path),
                num_classes=str(model.cls_head.num_classes),
                frames_per_view=str(frames_per_view(
                    model, getattr(model, 'cfg', None))))


def graph_metadata(config_path: str, model: torch.nn.Module,
                   frames_shape: Sequence[int],
                   checkpoint: Optional[str] = None) -> Dict[str, str]:
    """The metadata of a graph exported from ``model``.

    Args:
        config_path (str): The config file.
        model (torch.nn.Module): The recognizer.
        frames_shape (Sequence[int]): The traced input, (views *
            frames_per_view, 3, H, W).
        checkpoint (str, optional): The weights' file (its SHA-256 is kept).

    Returns:
        dict[str, str]: Entries (values as strings, as ONNX stores them).
    """
    from tdn_plugin.version import __version__
    meta = _identity(config_path, model)
    meta.update(
        input_height=frames_shape[-2], input_width=frames_shape[-1],
        exported_views=frames_shape[0] // int(meta['frames_per_view']),
        average_clips=model.cls_head.average_clips,
        input_layout='frames (views * frames_per_view, 3, H, W), float32, '
        'after the data_preprocessor',
        output='class scores as test_step (views averaged by the head\'s '
        'average_clips)',
        tdn_plugin_version=__version__)
    if checkpoint is not None:
        meta['checkpoint_sha256'] = file_sha256(checkpoint)
    return {key: str(value) for key, value in meta.items()}


def check_metadata(meta: Dict[str, str], config_path: str,
                   model: torch.nn.Module, source: str) -> None:
    """Raise :class:`DeployMismatchError` (one line) if ``meta`` was made
    for another config: its name, classes or frames per view differ.

    Args:
        meta (dict): The graph's metadata (:func:`read_metadata`).
        config_path (str), model (torch.nn.Module): The config, its model.
        source (str): The graph file, for the message.
    """
    if 'config' not in meta:
        raise DeployMismatchError(
            f'{source} was not exported by `tdn export` (no tdn_plugin '
            'metadata): export it from the config with `tdn export`')
    differ = [f'{key} {meta.get(key)!r} (config: {value!r})'
              for key, value in _identity(config_path, model).items()
              if meta.get(key) != value]
    if differ:
        raise DeployMismatchError(
            f'{source} was exported from another config: ' +
            ', '.join(differ))


def check_frames(meta: Dict[str, str], shape: Sequence[int],
                 source: str) -> None:
    """Raise :class:`DeployMismatchError` if preprocessed frames of
    ``shape`` do not fit the graph.

    Args:
        meta (dict), shape (Sequence[int]): The graph's metadata; (frames,
            3, H, W).
        source (str): The video, for the message.
    """
    frames = int(meta['frames_per_view'])
    size = (int(meta['input_height']), int(meta['input_width']))
    if meta.get('dynamic_size') != 'true' and tuple(shape[-2:]) != size:
        raise DeployMismatchError(
            f'{source}: the test pipeline gives {shape[-2]}x{shape[-1]} '
            f'frames, the graph takes only {size[0]}x{size[1]} (its frame '
            'size is fixed: export with this test pipeline, e.g. the same '
            '--cfg-options)')
    if shape[0] % frames:
        raise DeployMismatchError(
            f'{source}: the test pipeline gives {shape[0]} frames, the graph '
            f'needs a multiple of {frames} (frames per view)')
    views = int(meta.get('exported_views', 1))
    if meta.get('dynamic_views') == 'false' and (shape[0] // frames) % views:
        raise DeployMismatchError(
            f'{source}: the test pipeline gives {shape[0] // frames} view(s), '
            f'the graph takes {views} a call (its views axis is fixed: '
            'export with --views 1)')


def check_checkpoint_sha(meta: Dict[str, str], checkpoint: str,
                         source: str) -> None:
    """Raise :class:`DeployMismatchError` if the graph records the SHA-256
    of another checkpoint than ``checkpoint`` (one that records none
    passes).

    Args:
        meta (dict), checkpoint (str): The graph's metadata; the ``.pth``.
        source (str): The graph file, for the message.
    """
    if not osp.isfile(checkpoint):
        raise MissingFileError(f'checkpoint not found: {checkpoint}')
    if meta.get('checkpoint_sha256') not in (None, file_sha256(checkpoint)):
        raise DeployMismatchError(
            f'{source} was exported from another checkpoint than '
            f'{checkpoint}')


def view_chunks(runtime: Callable, meta: Dict[str, str]) -> ViewChunks:
    """How ``tdn infer`` and ``tdn export --check`` feed the graph a video's
    views: in chunks of :func:`tdn_plugin.utils.views.views_per_call` views
    where the views axis is dynamic, of the exported views where it is
    fixed.

    Args:
        runtime (Callable), meta (dict): The opened graph, its metadata.

    Returns:
        ViewChunks: ``runtime`` fed in chunks.
    """
    per_view = int(meta['frames_per_view'])
    if meta.get('dynamic_views') == 'false':
        max_views = int(meta.get('exported_views', 1))
    else:
        max_views = views_per_call(per_view)
    average = meta.get('average_clips', 'prob')
    return ViewChunks(runtime, per_view, max_views,
                      None if average == 'None' else average)


def read_metadata(graph) -> Dict[str, str]:
    """The metadata of a graph.

    Args:
        graph (str | openvino.Model): ``.onnx``, ``.xml``, or read model.

    Returns:
        dict[str, str]: Its entries (empty if it has none of ours).
    """
    if isinstance(graph, str) and graph.endswith('.onnx'):
        import onnx
        return {p.key: p.value for p in onnx.load(
            graph, load_external_data=False).metadata_props}
    if isinstance(graph, str):
        import openvino as ov
        graph = ov.Core().read_model(graph)
    if not graph.has_rt_info([RT_INFO_SECTION]):
        return {}
    info = graph.get_rt_info()[RT_INFO_SECTION]
    return {key: value.astype(str) for key, value in info.items()}
