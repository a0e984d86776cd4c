"""The ``tdn`` command: ``tdn SUBCOMMAND ...``.

Each subcommand lives in ``tdn_plugin/cli/<name>.py`` and defines
``add_arguments(parser)`` and ``main(args) -> int``; it parses arguments,
calls library functions and prints. Its one-line help is :data:`HELP`,
here only. Modules are imported only when their subcommand is asked for,
and nothing here imports torch or MMAction2, so ``tdn --help`` and ``tdn
SUBCOMMAND --help`` are instant (with the entry point ``tdn_plugin_cli``,
which imports the package without registering).

The error policy: a subcommand raises; it never prints an error or exits
itself. :func:`run` prints a user error
(:class:`tdn_plugin.utils.errors.UserError`, and what ONNX Runtime or
OpenVINO raise) as one line, ``tdn SUBCOMMAND: message``, on stderr and
exits with 1; with ``--verbose`` it lets the error go, traceback and all.
Any other error is a bug and always keeps its traceback. Exit codes: 0
done, 1 a failed check or a user error, 2 wrong usage (argparse).
"""
import argparse
import contextlib
import importlib
import sys
from typing import List, Optional

from tdn_plugin.utils.errors import is_user_error, one_line
from tdn_plugin.version import __version__

# subcommand -> its one-line help: the one place it is written (so that
# --help needs no heavy import)
HELP = {
    'train': 'train a model from an MMAction2 config (mmengine Runner)',
    'test': 'test a checkpoint with an MMAction2 config',
    'convert': "convert an authors' release TDN checkpoint for MMAction2",
    'flops': 'parameters and MACs of a config\'s model',
    'demo': 'toy motion data; train and compare TDN, TSN, TSM (--all: more) '
    'on CPU',
    'compare': 'train, test and compare recognizer configs in one table',
    'make-toy-data': 'generate the toy motion video dataset',
    'benchmark': 'latency, throughput and data-pipeline speed, side by side',
    'ensemble': 'combine dumped test scores of several models',
    'check-data': "list missing, unreadable or too short videos of a config",
    'infer': 'classify videos: top-5 classes, annotated video, JSON scores',
    'export': 'export a checkpoint to ONNX (OpenVINO IR, int8), checked',
}
# subcommand -> its module under tdn_plugin.cli, in the order --help lists
COMMANDS = {name: name.replace('-', '_') for name in HELP}


def _module(command: str):
    return importlib.import_module(f'tdn_plugin.cli.{COMMANDS[command]}')


def build_parser(
        commands: Optional[List[str]] = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog='tdn',
        description='TDN and GTDNet for MMAction2: train, test, convert, '
        'demo, benchmark.')
    parser.add_argument('--version', action='version',
                        version=f'tdn_plugin {__version__}')
    parser.add_argument(
        '--verbose', action='store_true',
        help='show the Runner\'s environment and config dump, library '
        'warnings, and the traceback of an error')
    sub = parser.add_subparsers(dest='command', metavar='COMMAND')
    sub.required = True
    for name in COMMANDS:
        p = sub.add_parser(name, help=HELP[name], description=HELP[name])
        if commands is None or name in commands:
            _module(name).add_arguments(p)
        p.add_argument('--verbose', action='store_true',  # after it too
                       default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    """Run one subcommand; errors are raised (see :func:`run`)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    command = next((a for a in argv if a in COMMANDS), None)
    args = build_parser([command] if command else []).parse_args(argv)
    from tdn_plugin.utils.allocator import keep_freed_memory
    keep_freed_memory()  # no page faults on every forward (see its doc)
    from tdn_plugin.utils.host_notices import hidden_host_notices

    # host notices a user cannot act on: hidden during the command only
    with contextlib.nullcontext() if args.verbose else hidden_host_notices():
        from tdn_plugin.utils.checks import check_arguments
        check_arguments(args.command, vars(args))  # before any work
        import tdn_plugin
        tdn_plugin.register_all_modules()
        return int(_module(args.command).main(args) or 0)


def error_line(command: Optional[str], error: BaseException) -> str:
    """``tdn COMMAND: message`` (``tdn: message`` without a ``command``):
    the message's first line, and how many more ``--verbose`` shows."""
    line = one_line(error)
    more = len([x for x in str(error).splitlines() if x.strip()]) - 1
    if more > 0:
        line += f' ({more} more line(s) with --verbose)'
    return f'tdn {command}: {line}' if command else f'tdn: {line}'


def run(argv: Optional[List[str]] = None) -> int:
    """:func:`main` for the console: a user error is one line on stderr
    (:func:`error_line`) and exit code 1; with ``--verbose`` it is raised
    with its traceback."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        return main(argv)
    except Exception as error:  # noqa: BLE001  sorted by is_user_error
        if not is_user_error(error) or '--verbose' in argv:
            raise
        command = next((a for a in argv if a in COMMANDS), None)
        print(error_line(command, error), file=sys.stderr)
        return 1


if __name__ == '__main__':
    sys.exit(run())
