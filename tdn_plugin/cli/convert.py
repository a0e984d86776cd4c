"""``tdn convert``: an authors' release checkpoint -> an MMAction2 one."""
import argparse
import os.path as osp

from .utils import add_overwrite_argument


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('src', help="the release's file (e.g. best.pth.tar)")
    parser.add_argument('dst', help='the MMAction2 checkpoint to write')
    parser.add_argument(
        '--config',
        help='also check that the result loads strictly into this config\'s '
        'model (e.g. configs/tdn/tdn_imagenet-pretrained-r50_8xb8-5x1x8-'
        '60e_sthv1-rgb.py)')
    add_overwrite_argument(parser)


def main(args: argparse.Namespace) -> int:
    import torch

    from tdn_plugin.converters import (
        convert_release_state_dict,
        load_release_checkpoint,
    )
    from tdn_plugin.utils.checks import check_output_file
    from tdn_plugin.utils.errors import MissingFileError
    if not osp.isfile(args.src):
        raise MissingFileError(f'no such file: {args.src}')
    check_output_file(args.dst)
    state_dict, info = convert_release_state_dict(
        load_release_checkpoint(args.src))
    if args.config:
        from tdn_plugin.utils.checks import (
            check_checkpoint,
            load_recognizer,
        )

        from .utils import load_config
        model = load_recognizer(load_config(args.config))
        check_checkpoint(state_dict, model, args.src)
    meta = dict(converted_from=osp.basename(args.src), depth=info['depth'],
                num_classes=info['num_classes'])
    torch.save(dict(state_dict=state_dict, meta=meta), args.dst)
    print(f'{args.src} -> {args.dst}: TDN-R{info["depth"]}, '
          f'{info["num_classes"]} classes, {len(state_dict)} tensors, '
          f'{info["folded"]} conv biases folded into BatchNorm, dropped '
          f'{", ".join(info["dropped"]) or "nothing"}')
    if args.config:
        print(f'loads strictly into the model of {args.config}')
    return 0
