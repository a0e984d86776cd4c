"""One base class for user errors, one formatter, one wrapper for the
runtimes' errors."""
import importlib

import pytest

from tdn_plugin.utils.errors import (
    RuntimeBackendError,
    UserError,
    is_user_error,
    one_line,
    runtime_errors,
)

# every user-error class of the plugin: (module, class, its other base)
USER_ERRORS = [
    ('tdn_plugin.utils.checks', 'ConfigError', ValueError),
    ('tdn_plugin.utils.checks', 'CheckpointMismatchError', ValueError),
    ('tdn_plugin.utils.config_path', 'ConfigNotFoundError',
     FileNotFoundError),
    ('tdn_plugin.utils.dependencies', 'MissingDependencyError', ImportError),
    ('tdn_plugin.utils.video_io', 'ListFileError', ValueError),
    ('tdn_plugin.utils.views', 'ViewsError', ValueError),
    ('tdn_plugin.compat', 'CheckpointRefusedError', Exception),
    ('tdn_plugin.converters.release_tdn', 'ConversionError', ValueError),
    ('tdn_plugin.datasets.skip_bad_videos', 'BadVideoError', RuntimeError),
    ('tdn_plugin.datasets.data_check', 'DataListError', FileNotFoundError),
    ('tdn_plugin.datasets.toy_motion', 'ToyMotionError', ValueError),
    ('tdn_plugin.apis.compare', 'CompareError', ValueError),
    ('tdn_plugin.apis.demo', 'DemoError', ValueError),
    ('tdn_plugin.apis.inference', 'VideoError', ValueError),
    ('tdn_plugin.deploy.metadata', 'DeployMismatchError', ValueError),
    ('tdn_plugin.deploy.parity', 'ParityError', AssertionError),
]


@pytest.mark.parametrize('module, name, base', USER_ERRORS)
def test_every_user_error_derives_from_the_base(module, name, base):
    try:
        cls = getattr(importlib.import_module(module), name)
    except ModuleNotFoundError as error:
        if error.name != module:
            raise
        pytest.skip(f'{module} is gone')
    except AttributeError:
        pytest.skip(f'{module}.{name} is gone')
    assert issubclass(cls, UserError) and issubclass(cls, base)
    assert is_user_error(cls('x'))


def test_bugs_are_not_user_errors():
    for error in (ValueError('x'), KeyError('x'), RuntimeError('x')):
        assert not is_user_error(error)


def test_one_line():
    assert one_line(ValueError('\n  first\nsecond')) == 'first'
    assert one_line(KeyError()) == 'KeyError'
    openvino = RuntimeError('Exception from src/core/shape.cpp:12:\n'
                            'Kernel after dilation is larger\n')
    assert one_line(openvino) == 'Kernel after dilation is larger'


def test_runtime_errors_become_user_errors():
    ort = pytest.importorskip('onnxruntime.capi.onnxruntime_pybind11_state')
    with pytest.raises(RuntimeBackendError,
                       match='^ONNX Runtime: bad input') as caught:
        with runtime_errors('ONNX Runtime'):
            raise ort.InvalidArgument('bad input\ndetails')
    assert isinstance(caught.value.__cause__, ort.InvalidArgument)
    assert is_user_error(ort.Fail('unwrapped'))  # the entry point's net
    with pytest.raises(RuntimeBackendError, match='^OpenVINO: kernel'):
        with runtime_errors('OpenVINO'):
            raise RuntimeError('Exception from src/x.cpp:3:\nkernel\n')
    with pytest.raises(ZeroDivisionError):  # a bug stays a bug
        with runtime_errors('ONNX Runtime'):
            1 / 0


def test_describe_lists_one_failed_item_on_one_line():
    from tdn_plugin.utils.errors import describe
    assert describe(ValueError('a\n  b')) == 'ValueError: a b'
    missing = FileNotFoundError(2, 'No such file or directory', '/x.mp4')
    assert describe(missing) == 'FileNotFoundError: No such file or directory'
    assert describe(EOFError()) == 'EOFError'
    assert len(describe(ValueError('x' * 500))) == 200
