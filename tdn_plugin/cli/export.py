"""``tdn export``: a checkpoint to ONNX / OpenVINO / int8, checked."""
import argparse

from tdn_plugin.utils.views import VIEWS

from .utils import add_config_arguments, add_overwrite_argument, load_config


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_arguments(parser)
    parser.add_argument('checkpoint', help='.pth checkpoint of the config')
    parser.add_argument('--out', required=True,
                        help='the .onnx file (its folder is created)')
    parser.add_argument(
        '--views', type=int,
        help='views in the traced input (default 1). The views axis stays '
        'dynamic where the model allows it; where it does not (TANet), the '
        'graph takes this many views a call and tdn infer feeds a video\'s '
        'views in such chunks')
    parser.add_argument('--opset', type=int, default=17, help='ONNX opset')
    parser.add_argument(
        '--check', action='store_true',
        help='compare ONNX Runtime (and OpenVINO) with PyTorch on random '
        'frames and two real clips; exit 1 if they differ by more than '
        '--tolerance')
    parser.add_argument(
        '--check-views', choices=VIEWS, default='1x1',
        help='test protocol of the real clips of --check (default 1x1)')
    parser.add_argument('--tolerance', type=float, default=1e-4,
                        help='relative tolerance of --check')
    parser.add_argument('--openvino', action='store_true',
                        help='also write OpenVINO IR (OUT with .xml)')
    parser.add_argument(
        '--int8', action='store_true',
        help='also write an int8 graph (OUT with .int8.onnx), ONNX Runtime '
        'static QDQ quantisation calibrated on clips of the train list '
        '(the val or test list where no train list is here; the output '
        'says which)')
    parser.add_argument('--calib-clips', type=int, default=64,
                        help='calibration clips for --int8, spread over the '
                        'train list')
    parser.add_argument(
        '--eval-clips', type=int, default=0,
        help='with --int8: top-1 of fp32 and int8 on up to N val clips '
        '(test clips where the config has no val list)')
    parser.add_argument('--json', help='write the report here')
    add_overwrite_argument(parser)


def main(args: argparse.Namespace) -> int:
    import mmengine

    from tdn_plugin.deploy.export import export_config
    from tdn_plugin.utils.checks import check_output_file
    if args.json:
        check_output_file(args.json)
    report = export_config(
        args.config, load_config(args.config, args.cfg_options),
        args.checkpoint, args.out, args.views, args.opset, args.check,
        args.check_views, args.openvino, args.int8, args.calib_clips,
        args.eval_clips, args.tolerance)
    if args.json:
        mmengine.dump(report, args.json, file_format='json', indent=2)
        print(f'report: {args.json}')
    return 0
