"""The ``tdn`` command: ``tdn SUBCOMMAND ...``.

Each subcommand lives in ``tdn_plugin/cli/<name>.py`` and defines ``HELP``
(one line), ``add_arguments(parser)`` and ``main(args) -> int``; it parses
arguments and calls library functions. Modules are imported only when their
subcommand is asked for, and nothing here imports torch or MMAction2, so
``tdn --help`` and ``tdn SUBCOMMAND --help`` are instant (with the entry
point ``tdn_plugin_cli``, which imports the package without registering).

Exit codes: 0 done, 1 a failed check or bad input (one line, no traceback;
``--verbose`` shows the traceback), 2 wrong usage (argparse).
"""
import argparse
import importlib
import sys
from typing import List, Optional

# subcommand -> module under tdn_plugin.cli, in the order --help lists them
COMMANDS = {
    'train': 'train',
    'test': 'test',
    'convert': 'convert',
    'flops': 'flops',
    'demo': 'demo',
    'compare': 'compare',
    'make-toy-data': 'make_toy_data',
    'benchmark': 'benchmark',
    'ensemble': 'ensemble',
    'check-data': 'check_data',
    'infer': 'infer',
    'export': 'export',
}

# one line each, kept here so that --help needs no heavy import
HELP = {
    'train': 'train a model from an MMAction2 config (mmengine Runner)',
    'test': 'test a checkpoint with an MMAction2 config',
    'convert': "convert an authors' release TDN checkpoint for MMAction2",
    'flops': 'parameters and MACs of a config\'s model',
    'demo': 'toy motion data; train, compare TDN, GTDNet, TSN, TSM on CPU',
    'compare': 'train, test and compare recognizer configs in one table',
    'make-toy-data': 'generate the toy motion video dataset',
    'benchmark': 'latency, throughput and data-pipeline speed, side by side',
    'ensemble': 'combine dumped test scores of several models',
    'check-data': "list missing, unreadable or too short videos of a config",
    'infer': 'classify videos: top-5 classes, annotated video, JSON scores',
    'export': 'export a checkpoint to ONNX (OpenVINO IR, int8), checked',
}

# Errors that are the user's input, not a bug: `tdn` prints them as one
# line and exits with 1. Module -> class names; looked up only when an
# error happens (a class whose module was never imported cannot be raised).
USER_ERRORS = {
    'tdn_plugin.utils.checks': ('ConfigError', 'CheckpointMismatchError'),
    'tdn_plugin.utils.config_path': ('ConfigNotFoundError', ),
    'tdn_plugin.utils.dependencies': ('MissingDependencyError', ),
    'tdn_plugin.compat': ('CheckpointRefusedError', ),
    'tdn_plugin.converters.release_tdn': ('ConversionError', ),
    'tdn_plugin.datasets.skip_bad_videos': ('BadVideoError', ),
    'tdn_plugin.datasets.data_check': ('DataListError', ),
    'tdn_plugin.apis.compare': ('CompareError', ),
    'tdn_plugin.apis.data': ('DataError', ),
    'tdn_plugin.apis.demo': ('DemoError', ),
    'tdn_plugin.apis.ensemble': ('EnsembleError', ),
    'tdn_plugin.apis.inference': ('VideoError', ),
    'tdn_plugin.utils.views': ('ViewsError', ),
    'tdn_plugin.deploy.metadata': ('DeployMismatchError', ),
    'tdn_plugin.deploy.parity': ('ParityError', ),
}


def _module(command: str):
    return importlib.import_module(f'tdn_plugin.cli.{COMMANDS[command]}')


def is_user_error(error: BaseException) -> bool:
    """Whether ``error`` is one of :data:`USER_ERRORS`."""
    for module, names in USER_ERRORS.items():
        loaded = sys.modules.get(module)
        if loaded is not None and any(
                isinstance(error, getattr(loaded, n, ())) for n in names):
            return True
    return False


def _version() -> str:
    from tdn_plugin.version import __version__
    return f'tdn_plugin {__version__}'


def build_parser(
        commands: Optional[List[str]] = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog='tdn',
        description='TDN and GTDNet for MMAction2: train, test, convert, '
        'demo, benchmark.')
    parser.add_argument('--version', action='version', version=_version())
    parser.add_argument(
        '--verbose',
        action='store_true',
        help='show the Runner\'s environment and config dump, library '
        'warnings, and the traceback of an error')
    sub = parser.add_subparsers(dest='command', metavar='COMMAND')
    sub.required = True
    for name in COMMANDS:
        p = sub.add_parser(name, help=HELP[name], description=HELP[name])
        if commands is None or name in commands:
            _module(name).add_arguments(p)
        if '--verbose' not in p._option_string_actions:  # unless its own
            p.add_argument('--verbose', action='store_true',
                           default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return parser


def quiet_warnings() -> None:
    """Hide the library warnings that every run printed (mmengine's
    pkg_resources deprecation, twice); ``--verbose`` keeps them."""
    import warnings
    warnings.filterwarnings('ignore', message='pkg_resources is deprecated')
    warnings.filterwarnings('ignore', category=DeprecationWarning,
                            module='pkg_resources')


def main(argv: Optional[List[str]] = None) -> int:
    """Run one subcommand; errors are raised (see :func:`run`)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    command = next((a for a in argv if a in COMMANDS), None)
    parser = build_parser([command] if command else [])
    args = parser.parse_args(argv)
    args.verbose = getattr(args, 'verbose', False)
    if not args.verbose:
        quiet_warnings()
    from tdn_plugin.utils.allocator import keep_freed_memory
    keep_freed_memory()  # no page faults on every forward (see its doc)
    import tdn_plugin
    tdn_plugin.register_all_modules()
    return int(_module(args.command).main(args) or 0)


def run(argv: Optional[List[str]] = None) -> int:
    """:func:`main` for the console: a user error is one line on stderr
    and exit code 1 (its traceback with ``--verbose``)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        return main(argv)
    except Exception as error:  # noqa: BLE001  sorted below
        if not is_user_error(error) or '--verbose' in argv:
            raise
        command = next((a for a in argv if a in COMMANDS), None)
        prefix = f'tdn {command}' if command else 'tdn'
        print(f'{prefix}: {error}', file=sys.stderr)
        return 1


if __name__ == '__main__':
    sys.exit(run())
