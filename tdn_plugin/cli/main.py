"""The ``tdn`` command: ``tdn SUBCOMMAND ...``.

Each subcommand lives in ``tdn_plugin/cli/<name>.py`` and defines ``HELP``
(one line), ``add_arguments(parser)`` and ``main(args) -> int``. Modules are
imported only when their subcommand runs, so ``tdn --help`` is fast.
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
    'make-toy-data': 'generate the toy motion video dataset',
    'benchmark': 'latency, throughput and data-pipeline speed, side by side',
    'ensemble': 'combine dumped test scores of several models',
    'check-data': "list missing, unreadable or too short videos of a config",
    'infer': 'classify videos: top-5 classes, annotated video, JSON scores',
    'export': 'export a checkpoint to ONNX (OpenVINO IR, int8), checked',
}


def _module(command: str):
    return importlib.import_module(f'tdn_plugin.cli.{COMMANDS[command]}')


def build_parser(
        commands: Optional[List[str]] = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog='tdn',
        description='TDN and GTDNet for MMAction2: train, test, convert, '
        'demo, benchmark.')
    sub = parser.add_subparsers(dest='command', metavar='COMMAND')
    sub.required = True
    for name in COMMANDS:
        p = sub.add_parser(name, help=HELP[name], description=HELP[name])
        if commands is None or name in commands:
            _module(name).add_arguments(p)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    command = next((a for a in argv if a in COMMANDS), None)
    parser = build_parser([command] if command else [])
    args = parser.parse_args(argv)
    return int(_module(args.command).main(args) or 0)


if __name__ == '__main__':
    sys.exit(main())
