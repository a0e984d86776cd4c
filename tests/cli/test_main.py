"""The ``tdn`` command itself: instant help, version, exit codes, one line
per user error."""
import importlib
import inspect
import subprocess
import sys

import pytest

from tdn_plugin import __version__
from tdn_plugin.cli.main import COMMANDS, HELP, error_line, run
from tdn_plugin.utils.checks import CheckpointMismatchError, ConfigError
from tdn_plugin.utils.errors import UserError, is_user_error

HEAVY = ('torch', 'mmaction', 'mmcv', 'mmengine')


def tdn(*args, code='import tdn_plugin_cli as c; sys.exit(c.main())'):
    """Run ``tdn ARGS`` as the console script does, in a fresh process;
    it also prints which heavy packages got imported."""
    probe = ('import sys, atexit; atexit.register(lambda: print("HEAVY", '
             f'[m for m in {HEAVY!r} if m in sys.modules], '
             'file=sys.stderr)); '
             f'sys.argv = ["tdn"] + {list(args)!r}; ' + code)
    return subprocess.run([sys.executable, '-c', probe], capture_output=True,
                          text=True, timeout=120)


def test_every_command_has_a_help_line():
    assert set(COMMANDS) == set(HELP)


def test_help_lives_in_one_place():
    """HELP in cli/main.py is the only copy; the demo line names the
    three models the demo runs."""
    for module in COMMANDS.values():
        source = inspect.getsource(
            importlib.import_module(f'tdn_plugin.cli.{module}'))
        assert '\nHELP = ' not in source, module
    assert 'TDN, TSN, TSM' in HELP['demo'] and 'GTDNet' not in HELP['demo']


def test_a_user_error_is_one_line():
    error = CheckpointMismatchError('x.pth does not fit (2 problem(s)).\n'
                                    '  a\n  b')
    assert error_line('test', error) == (
        'tdn test: x.pth does not fit (2 problem(s)). (2 more line(s) with '
        '--verbose)')
    assert error_line(None, UserError('bad')) == 'tdn: bad'


@pytest.mark.parametrize('args', [
    ['--help'], ['train', '--help'], ['test', '--help'],
    ['check-data', '--help'], ['convert', '--help'], ['flops', '--help'],
    ['ensemble', '--help'], ['benchmark', '--help'], ['compare', '--help'],
    ['make-toy-data', '--help'], ['infer', '--help'], ['export', '--help'],
    ['demo', '--help'],
    ['--version']])
def test_help_and_version_import_no_framework(args):
    out = tdn(*args)
    assert out.returncode == 0, out.stderr
    assert 'HEAVY []' in out.stderr, out.stderr
    assert 'usage: tdn' in out.stdout or args == ['--version']


def test_help_lists_every_command():
    out = tdn('--help')
    for name in COMMANDS:
        assert name in out.stdout


def test_version():
    out = tdn('--version')
    assert out.stdout.strip() == f'tdn_plugin {__version__}'


@pytest.mark.slow
def test_python_dash_m_runs_the_command():
    out = subprocess.run([sys.executable, '-m', 'tdn_plugin', '--version'],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f'tdn_plugin {__version__}'


def test_usage_error_exits_2():
    out = tdn('train')
    assert out.returncode == 2
    assert 'the following arguments are required: config' in out.stderr
    assert 'Traceback' not in out.stderr


@pytest.mark.slow
def test_user_error_is_one_line_without_traceback(tmp_path):
    out = tdn('check-data', 'configs/demo/tdn_toy-motion.py',
              '--cfg-options', f'train_dataloader.dataset.ann_file={tmp_path}'
              '/none.txt', '--splits', 'train')
    assert out.returncode == 1
    assert out.stdout == f'train: list not found: {tmp_path}/none.txt\n'
    assert 'Traceback' not in out.stderr and 'of 0 videos' not in out.stdout
    out = tdn('flops', 'tdn_plugin::tdn/none.py')
    assert out.returncode == 1
    assert out.stderr.splitlines()[0].startswith(
        'tdn flops: config file not found: tdn_plugin::tdn/none.py')
    assert 'Traceback' not in out.stderr


def test_verbose_shows_the_traceback(tmp_path, capsys):
    with pytest.raises(FileNotFoundError, match='config file not found'):
        run(['--verbose', 'flops', str(tmp_path / 'none.py')])
    with pytest.raises(UserError, match='checkpoint not found'):
        run(['test', 'configs/demo/tdn_toy-motion.py',
             str(tmp_path / 'none.pth'), '--verbose'])
    assert run(['test', 'configs/demo/tdn_toy-motion.py',
                str(tmp_path / 'none.pth')]) == 1
    assert capsys.readouterr().err == (
        f'tdn test: checkpoint not found: {tmp_path}/none.pth\n')


def test_only_user_errors_are_one_line():
    assert is_user_error(ConfigError('x'))
    assert not is_user_error(ValueError('x'))
    assert not is_user_error(KeyError('x'))


def test_missing_mmcv_is_one_line(tmp_path):
    """No mmcv installed: help still works, a command says what to
    install."""
    blocker = ('import importlib.util as u; find = u.find_spec; '
               'u.find_spec = lambda n, *a: None if n == "mmcv" else '
               'find(n, *a); ')
    code = blocker + 'import tdn_plugin_cli as c; sys.exit(c.main())'
    out = tdn('--help', code=code)
    assert out.returncode == 0
    out = tdn('flops', 'configs/demo/tdn_toy-motion.py', code=code)
    assert out.returncode == 1
    assert out.stderr.splitlines()[0] == (
        "tdn flops: mmcv is not installed (MMAction2 needs it): pip install "
        "'tdn_plugin[lite]' (the pure-Python mmcv-lite 2.1.0, enough for "
        'every model here) or a full mmcv >=2.0,<2.2')


def test_every_command_follows_the_error_policy(monkeypatch, capsys):
    """Whatever the command, a user error it raises is one line and exit
    code 1, and ``--verbose`` gives its traceback; a bug is raised."""
    import types

    import tdn_plugin.cli.main as cli

    def fake(error):
        def main(args):
            raise error
        return types.SimpleNamespace(add_arguments=lambda parser: None,
                                     main=main)

    for command in COMMANDS:
        monkeypatch.setattr(cli, '_module',
                            lambda name: fake(UserError('bad input')))
        assert run([command]) == 1
        assert capsys.readouterr().err == f'tdn {command}: bad input\n'
        with pytest.raises(UserError):
            run([command, '--verbose'])
        monkeypatch.setattr(cli, '_module',
                            lambda name: fake(ZeroDivisionError('bug')))
        with pytest.raises(ZeroDivisionError):
            run([command])
