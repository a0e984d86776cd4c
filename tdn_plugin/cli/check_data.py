"""``tdn check-data``: list the missing, unreadable and too short videos of
a config's annotation files before a long run meets them."""
import argparse

from .utils import add_config_arguments, load_config


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_arguments(parser)
    splits = ['train', 'val', 'test']
    parser.add_argument('--splits', nargs='+', choices=splits, default=splits,
                        help='which dataloaders to check (default: all three)')
    parser.add_argument(
        '--min-frames', type=int,
        help='a video with fewer frames is too short (default: the frames '
        'one sampled window needs: frames_per_segment of TDNSampleFrames, '
        'clip_len * frame_interval of SampleFrames, else 1)')
    parser.add_argument('--jobs', type=int, default=1, help='check videos '
                        'in this many processes (default: %(default)s)')


def main(args: argparse.Namespace) -> int:
    from tdn_plugin.datasets.data_check import check_data
    cfg = load_config(args.config, args.cfg_options)
    return 0 if check_data(cfg, args.splits, args.min_frames, args.jobs) else 1
