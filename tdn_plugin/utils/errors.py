"""User errors: the one base class, and the one way an error becomes a line.

A user error is bad input (a missing file, a config whose parts do not fit,
a checkpoint of another model, a graph a runtime refuses), not a bug. Every
such class of the plugin derives from :class:`UserError`; library code
raises it, and the ``tdn`` entry point
(:func:`tdn_plugin.cli.main.run`) prints it as ``tdn COMMAND: message``
(:func:`one_line`) and exits with 1. Any other exception is a bug and keeps
its traceback.
"""
import contextlib
import re
from typing import Iterator

_RUNTIME_MODULES = ('onnxruntime', 'openvino')
# OpenVINO puts a source location line before its message
_SOURCE_LOCATION = re.compile(r'Exception from \S+:\d+:')


class UserError(Exception):
    """Bad input from the user: reported as one line, not a traceback."""


class MissingFileError(UserError, FileNotFoundError):
    """A file named by the user (checkpoint, list, video) is not there."""


class OutputError(UserError, OSError):
    """A file or folder the user asked for cannot be written."""


class UsageError(UserError, ValueError):
    """Options that do not fit together (argparse cannot tell)."""


class RuntimeBackendError(UserError, RuntimeError):
    """ONNX Runtime or OpenVINO refused a graph or its input."""


def is_user_error(error: BaseException) -> bool:
    """Whether ``error`` is bad input, not a bug: a :class:`UserError`, or
    an error ONNX Runtime or OpenVINO raised that no
    :func:`runtime_errors` block wrapped.

    Args:
        error (BaseException): The error.

    Returns:
        bool: True for bad input, False for a bug.
    """
    return isinstance(error, UserError) or _from_runtime(error)


def one_line(error: BaseException) -> str:
    """An exception's message as one line: its first non-empty line
    (OpenVINO's ``Exception from src/...:N:`` locations skipped), or its
    class name when it has no message.

    Args:
        error (BaseException): The error.

    Returns:
        str: The line.
    """
    lines = [line.strip() for line in str(error).splitlines()
             if line.strip()]
    told = [line for line in lines if not _SOURCE_LOCATION.fullmatch(line)]
    return (told or lines or [type(error).__name__])[0]


def describe(error: BaseException, limit: int = 200,
             file_name: bool = False) -> str:
    """``Type: message`` on one line, at most ``limit`` characters: how one
    failed item (a video, a model) is listed while the work goes on. The
    whole message, whitespace collapsed, except: an ``OSError`` without
    its file name (unless ``file_name``); an error re-raised from a data
    loader worker by the original's last line (the bad-video policy's,
    which names the video); a registry's ``KeyError`` without quotes and
    advice; missing compiled mmcv ops said plainly.

    Args:
        error (BaseException): The error.
        limit (int): Longest result. Defaults to 200.
        file_name (bool): Keep an ``OSError``'s file name (where the
            caller does not name the file). Defaults to False.

    Returns:
        str: The line.
    """
    lines = [line.strip() for line in str(error).splitlines()
             if line.strip()] or ['']
    text = ' '.join(lines)
    if 'DataLoader worker' in lines[0]:
        text = lines[-1]
    elif 'mmcv.ops' in lines[0] or 'mmcv._ext' in lines[0]:
        text = ('needs compiled mmcv ops (mmcv.ops), and only mmcv-lite is '
                'installed (install the full mmcv 2.1 to run it)')
    else:
        if isinstance(error, OSError) and error.strerror and not file_name:
            text = error.strerror
        elif isinstance(error, KeyError):  # quoted, with the advice
            text = text.strip('"\'').split('. Please ')[0]
        text = f'{type(error).__name__}: {text}' if text else \
            type(error).__name__
    return text if len(text) <= limit else text[:limit - 3] + '...'


def _from_runtime(error: BaseException) -> bool:
    """Raised by ONNX Runtime (its own exception classes) or by OpenVINO
    (``RuntimeError`` with a source location in the message)."""
    module = type(error).__module__ or ''
    return (module.split('.')[0] in _RUNTIME_MODULES
            or (isinstance(error, RuntimeError)
                and _SOURCE_LOCATION.search(str(error)) is not None))


@contextlib.contextmanager
def runtime_errors(runtime: str) -> Iterator[None]:
    """Turn what ONNX Runtime or OpenVINO raises inside the block into a
    :class:`RuntimeBackendError` naming the runtime (the original is
    chained, so ``--verbose`` still shows it).

    Args:
        runtime (str): The runtime's name for the message, e.g.
            ``'ONNX Runtime'``.

    Raises:
        RuntimeBackendError: The runtime failed.
    """
    try:
        yield
    except UserError:
        raise
    except Exception as error:  # noqa: BLE001  sorted by _from_runtime
        if not _from_runtime(error):
            raise
        raise RuntimeBackendError(f'{runtime}: {one_line(error)}') from error
