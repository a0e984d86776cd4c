import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config

from tdn_plugin.cli.main import main, run
from tdn_plugin.utils.checks import (
    CheckpointMismatchError,
    ConfigError,
    check_config,
    check_output_file,
)
from tdn_plugin.utils.errors import OutputError

STHV1 = 'configs/tdn/tdn_imagenet-pretrained-r50_8xb8-5x1x8-60e_sthv1-rgb.py'


def test_sampler_model_mismatch_is_found_before_any_work():
    cfg = Config.fromfile(STHV1)
    check_config(cfg)  # consistent
    cfg.model.backbone.num_segments = 16
    cfg.model.cls_head.num_segments = 16
    with pytest.raises(ConfigError, match=r'train pipeline: TDNSampleFrames '
                       r'gives 8 segments x 5 frames = 40 frames per view, '
                       r'but .*ResNetTDN\(num_segments=16.*needs 80'):
        check_config(cfg)
    cfg = Config.fromfile(STHV1)
    cfg.model.cls_head.num_segments = 16
    with pytest.raises(ConfigError, match='cls_head.num_segments=16'):
        check_config(cfg)


def test_tsn_sampling_with_a_tdn_model_is_a_clear_error(tiny_config):
    with pytest.raises(ConfigError, match='SampleFrames gives 8 segments x '
                       '1 frames'):
        main(['train', tiny_config, '--cfg-options',
              'train_dataloader.dataset.pipeline.1.type=SampleFrames',
              'train_dataloader.dataset.pipeline.1.clip_len=1',
              'train_dataloader.dataset.pipeline.1.num_clips=8'])


def test_unsupported_depth_fails_before_training(tiny_config, tmp_path):
    with pytest.raises(ValueError, match='depth 18, 34, 50 or 101'):
        main(['train', tiny_config, '--work-dir', str(tmp_path),
              '--cfg-options', 'model.backbone.depth=152'])


def test_num_classes_mismatch_is_a_clear_error(tiny_config, trained_run,
                                               tmp_path):
    with pytest.raises(CheckpointMismatchError,
                       match='checkpoint has 2 classes and the config 5'):
        main(['test', tiny_config, str(trained_run / 'epoch_1.pth'),
              '--work-dir', str(tmp_path), '--cfg-options',
              'model.cls_head.num_classes=5'])


def test_release_checkpoint_in_tdn_test_says_convert_it(tiny_config,
                                                        tmp_path):
    torch.save({'state_dict': {'module.base_model.conv1.weight':
                               torch.zeros(64, 3, 7, 7)}},
               tmp_path / 'best.pth.tar')
    with pytest.raises(CheckpointMismatchError, match='tdn convert'):
        main(['test', tiny_config, str(tmp_path / 'best.pth.tar'),
              '--work-dir', str(tmp_path)])


def test_wrong_depth_checkpoint_is_a_clear_error(tiny_config, trained_run,
                                                 tmp_path):
    with pytest.raises(CheckpointMismatchError, match='ResNet depth'):
        main(['test', tiny_config, str(trained_run / 'epoch_1.pth'),
              '--work-dir', str(tmp_path), '--cfg-options',
              'model.backbone.depth=34'])


def hostile(path, marker):
    class Payload:
        def __reduce__(self):
            return os.system, (f'touch {marker}', )

    torch.save({'state_dict': {}, 'meta': Payload()}, path)


def test_hostile_load_from_is_refused(tiny_config, tmp_path):
    from tdn_plugin.compat import CheckpointRefusedError
    marker = tmp_path / 'pwned'
    hostile(tmp_path / 'evil.pth', marker)
    with pytest.raises(CheckpointRefusedError):
        main(['train', tiny_config, '--work-dir', str(tmp_path / 'w'),
              '--cfg-options', f'load_from={tmp_path / "evil.pth"}'])
    assert not marker.exists()


@pytest.mark.slow
def test_mmaction_tools_refuse_hostile_checkpoint(tiny_config, tmp_path):
    import mmaction
    tools = osp.join(osp.dirname(mmaction.__file__), '.mim', 'tools')
    if not osp.isfile(osp.join(tools, 'test.py')):
        pytest.skip('MMAction2 tools not found')
    marker = tmp_path / 'pwned'
    hostile(tmp_path / 'evil.pth', marker)
    out = subprocess.run(
        [sys.executable, osp.join(tools, 'test.py'), tiny_config,
         str(tmp_path / 'evil.pth'), '--work-dir', str(tmp_path)],
        capture_output=True, text=True)
    assert out.returncode != 0
    assert 'Refusing to load checkpoint' in out.stderr
    assert not marker.exists()


def test_frames_per_view_is_read_from_the_sampler():
    from tdn_plugin.utils.views import (
        config_frames_per_view,
        sampler_frames_per_view,
    )
    assert config_frames_per_view(Config.fromfile(STHV1)) == 40
    assert config_frames_per_view(
        Config.fromfile('configs/demo/tsn_toy-motion.py')) == 4
    assert sampler_frames_per_view(dict(type='TDNSampleFrames',
                                        num_segments=8,
                                        frames_per_segment=3)) == 24
    # a 3D clip is a view; num_clips are views then
    assert sampler_frames_per_view(dict(type='SampleFrames', clip_len=8,
                                        frame_interval=8,
                                        num_clips=10)) == 8
    assert sampler_frames_per_view(dict(type='DecordDecode')) is None


def test_output_file_folder_is_made_and_bad_places_are_one_error(tmp_path):
    path = tmp_path / 'new' / 'deeper' / 'out.json'
    assert check_output_file(str(path)) == str(path)
    assert path.parent.is_dir() and not path.exists()
    with pytest.raises(OutputError, match='is a folder'):
        check_output_file(str(tmp_path))
    blocker = tmp_path / 'a-file'
    blocker.write_text('')
    with pytest.raises(OutputError, match='a-file is a file, not a folder'):
        check_output_file(str(blocker / 'deeper' / 'out.json'))


def test_benchmark_json_in_a_bad_place_ends_before_any_work(tmp_path,
                                                            capsys):
    """One line, exit 1, before a model is built or timed."""
    blocker = tmp_path / 'a-file'
    blocker.write_text('')
    argv = ['benchmark', '--json', str(blocker / 'x.json')]
    with pytest.raises(OutputError):
        main(argv)
    assert run(argv) == 1
    captured = capsys.readouterr()
    assert captured.err.count('\n') == 1 and 'a-file' in captured.err
    assert 'tdn benchmark:' not in captured.out  # nothing was started


TOY = 'configs/demo/tdn_toy-motion.py'
# (argv, the line's start) of each wrong argument: tmp is the test's
# folder, holding 'afile' (a file), 'empty.txt' and 'list.txt'
WRONG_ARGUMENTS = [
    (['compare', TOY, '--epochs', '0'], '--epochs must be at least 1, got 0'),
    (['compare', TOY, '--input-size', '-5'],
     '--input-size must be at least 1'),
    (['compare', TOY, '--batch-size', '0'], '--batch-size must be at least'),
    (['compare', TOY, '--num-workers', '-1'], '--num-workers must be at '),
    (['compare', TOY, '--threads', '0'], '--threads must be at least 1'),
    (['compare', TOY, '--latency-rounds', '0'], '--latency-rounds must be'),
    (['compare', TOY, '--work-dir', '{tmp}/afile'],
     '--work-dir {tmp}/afile cannot be a folder: it is a file'),
    (['compare', TOY, '--val-list', '{tmp}/no.txt'],
     '--val-list not found: {tmp}/no.txt'),
    (['compare', TOY, '--train-list', '{tmp}/empty.txt'],
     '--train-list {tmp}/empty.txt is empty'),
    (['compare', TOY, '--classes', '{tmp}'], '--classes {tmp} is a folder'),
    (['compare', TOY, '--data-root', '{tmp}/afile'],
     '--data-root {tmp}/afile is a file, not a folder'),
    (['compare', '--from-work-dirs', '{tmp}/no'],
     '--from-work-dirs not found'),
    (['infer', TOY, '-', '{tmp}/afile', '--threads', '-3'],
     '--threads must be at least 1, got -3'),
    (['infer', TOY, '-', '{tmp}/afile', '--out', '{tmp}/afile/ann.mp4'],
     'cannot write {tmp}/afile/ann.mp4: {tmp}/afile is a file'),
    (['infer', TOY, '-', '{tmp}/afile', '--json', '{tmp}/afile/s.json'],
     'cannot write {tmp}/afile/s.json: {tmp}/afile is a file'),
    (['infer', TOY, '-', '{tmp}/afile', '{tmp}/list.txt', '--out',
      '{tmp}/afile'], '--out {tmp}/afile cannot be a folder'),
    (['infer', TOY, '{tmp}/no.pth', '{tmp}/afile'],
     'checkpoint not found: {tmp}/no.pth'),
    (['infer', TOY, '-', '{tmp}/afile', '--labels', '{tmp}/empty.txt'],
     '--labels {tmp}/empty.txt is empty'),
    (['infer', TOY, '-', '{tmp}/no.mp4'], 'no video found in {tmp}/no.mp4'),
    (['infer', TOY, '-', '{tmp}/afile', '--backend', 'onnxruntime',
      '--model', '{tmp}/no.onnx'], '--model not found'),
    (['export', TOY, '{tmp}/afile', '--out', '{tmp}/afile/m.onnx'],
     'cannot write {tmp}/afile/m.onnx'),
    (['export', TOY, '{tmp}/afile', '--out', '{tmp}/m.onnx', '--json',
      '{tmp}/afile/r.json'], 'cannot write {tmp}/afile/r.json'),
    (['export', TOY, '{tmp}/afile', '--out', '{tmp}/m.onnx', '--views',
      '0'], '--views must be at least 1'),
    (['export', TOY, '{tmp}/afile', '--out', '{tmp}/m.onnx', '--int8',
      '--calib-clips', '0'], '--calib-clips must be at least 1'),
    (['export', TOY, '{tmp}/afile', '--out', '{tmp}/m.onnx',
      '--eval-clips', '-1'], '--eval-clips must be at least 0'),
    (['export', TOY, '{tmp}/afile', '--out', '{tmp}/m.onnx',
      '--tolerance', '0'], '--tolerance must be above 0'),
    (['export', TOY, '{tmp}/no.pth', '--out', '{tmp}/m.onnx'],
     'checkpoint not found'),
    (['train', TOY, '--work-dir', '{tmp}/afile/run'],
     '--work-dir {tmp}/afile/run cannot be a folder: {tmp}/afile is a file'),
    (['train', TOY, '--seed', '-1'], '--seed must be at least 0'),
    (['train', TOY, '--resume', '{tmp}/no.pth'], '--resume not found'),
    (['test', TOY, '{tmp}/no.pth'], 'checkpoint not found: {tmp}/no.pth'),
    (['test', TOY, '{tmp}/afile', '--dump', '{tmp}/afile/d.pkl'],
     'cannot write {tmp}/afile/d.pkl'),
    (['demo', '--threads', '0'], '--threads must be at least 1'),
    (['demo', '--work-dir', '{tmp}/afile'], '--work-dir {tmp}/afile cannot'),
    (['demo', '--data', '{tmp}/afile'], '--data-dir {tmp}/afile cannot'),
    (['demo', '--markdown', '{tmp}/afile/t.md'], 'cannot write {tmp}/afile'),
    (['benchmark', '--size', '0'], '--size must be at least 1'),
    (['benchmark', '--batch', '0'], '--batch must be at least 1'),
    (['benchmark', '--repeats', '0'], '--repeats must be at least 1'),
    (['benchmark', '--train-batch', '-1'], '--train-batch must be at least'),
    (['benchmark', '--json', '{tmp}/afile/b.json'], 'cannot write'),
    (['check-data', TOY, '--min-frames', '0'], '--min-frames must be at'),
    (['check-data', TOY, '--jobs', '0'], '--jobs must be at least 1'),
    (['ensemble', '{tmp}/no.pkl', '--ann', '{tmp}/list.txt'],
     'dumps not found: {tmp}/no.pkl'),
    (['ensemble', '{tmp}/afile', '--ann', '{tmp}/empty.txt'],
     '--ann {tmp}/empty.txt is empty'),
    (['flops', TOY, '--shape', '0'], '--shape must be at least 1'),
    (['make-toy-data', '{tmp}/afile'], 'dir {tmp}/afile cannot be a folder'),
    (['make-toy-data', '{tmp}/toy', '--videos-per-class', '0'],
     '--videos-per-class must be at least 1'),
    (['convert', '{tmp}/no.tar', '{tmp}/x.pth'], 'src not found'),
    (['convert', '{tmp}/afile', '{tmp}/afile/x.pth'],
     'cannot write {tmp}/afile/x.pth'),
]


@pytest.mark.parametrize('argv, line', WRONG_ARGUMENTS,
                         ids=[' '.join(a[:1] + a[2:]) if a[0] != 'compare'
                              or len(a) < 3 else ' '.join([a[0]] + a[2:])
                              for a, _ in WRONG_ARGUMENTS])
def test_every_command_checks_its_arguments_before_work(
        argv, line, tmp_path, capsys, monkeypatch):
    """One line naming the argument, exit 1, before any work (the check
    runs before the plugin's registries are even set up)."""
    (tmp_path / 'afile').write_text('x\n')
    (tmp_path / 'empty.txt').write_text('\n')
    (tmp_path / 'list.txt').write_text('a.mp4 0\n')
    import tdn_plugin
    monkeypatch.setattr(tdn_plugin, 'register_all_modules', None)  # no work
    argv = [a.format(tmp=tmp_path) for a in argv]
    assert run(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith(f'tdn {argv[0]}: {line.format(tmp=tmp_path)}'), err
    assert err.count('\n') == 1


@pytest.mark.parametrize('argv, missing', [
    (['export', TOY, '{tmp}/afile', '--out', '{tmp}/m.onnx'], 'onnx'),
    (['export', TOY, '{tmp}/afile', '--out', '{tmp}/m.onnx', '--openvino'],
     'openvino'),
    (['infer', TOY, '-', '{tmp}/afile', '--backend', 'onnxruntime'],
     'onnxruntime'),
    (['infer', TOY, '-', '{tmp}/afile', '--backend', 'openvino'],
     'openvino'),
    (['benchmark', '--backends', 'onnxruntime'], 'onnx'),
])
def test_a_missing_extra_is_named(argv, missing, tmp_path, capsys,
                                  monkeypatch):
    (tmp_path / 'afile').write_text('x\n')
    monkeypatch.setattr('tdn_plugin.utils.dependencies.installed',
                        lambda module: module != missing)
    argv = [a.format(tmp=tmp_path) for a in argv]
    assert run(argv) == 1
    assert capsys.readouterr().err == (
        f"tdn {argv[0]}: needs the 'deploy' extra ({missing} not "
        "installed): pip install -e '.[deploy]'\n")


def test_an_empty_train_list_is_one_line(tmp_path, capsys):
    (tmp_path / 'empty.txt').write_text('')
    empty = f'{tmp_path}/empty.txt'
    assert run(['train', TOY, '--work-dir', str(tmp_path), '--cfg-options',
                f'train_dataloader.dataset.ann_file={empty}',
                f'val_dataloader.dataset.ann_file={empty}']) == 1
    assert capsys.readouterr().err == \
        f'tdn train: train list is empty: {tmp_path}/empty.txt\n'


@pytest.mark.parametrize('argv', [
    ['export', TOY, '{tmp}/afile', '--out', '{tmp}/old'],
    ['export', TOY, '{tmp}/afile', '--out', '{tmp}/m.onnx', '--json',
     '{tmp}/old'],
    ['convert', '{tmp}/afile', '{tmp}/old'],
    ['benchmark', '--json', '{tmp}/old'],
    ['test', TOY, '{tmp}/afile', '--dump', '{tmp}/old'],
])
def test_an_existing_output_file_needs_overwrite(argv, tmp_path, capsys,
                                                 monkeypatch):
    (tmp_path / 'afile').write_text('x\n')
    (tmp_path / 'old').write_text('an earlier result\n')
    import tdn_plugin
    monkeypatch.setattr(tdn_plugin, 'register_all_modules', None)  # no work
    argv = [a.format(tmp=tmp_path) for a in argv]
    assert run(argv) == 1
    assert capsys.readouterr().err == (
        f'tdn {argv[0]}: {tmp_path}/old exists: give --overwrite to '
        'replace it\n')
    from tdn_plugin.cli.main import build_parser
    from tdn_plugin.utils.checks import check_arguments
    args = build_parser([argv[0]]).parse_args(argv + ['--overwrite'])
    check_arguments(argv[0], vars(args))  # asked for: no error


def test_a_list_of_videos_that_are_not_there_is_one_line(tmp_path, capsys):
    """A wrong data root: one line before training, not a run that only
    skips unreadable samples."""
    (tmp_path / 'list.txt').write_text('a.mp4 0\nb.mp4 1\n')
    listed = f'{tmp_path}/list.txt'
    assert run(['train', TOY, '--work-dir', str(tmp_path), '--cfg-options',
                f'train_dataloader.dataset.ann_file={listed}',
                f'val_dataloader.dataset.ann_file={listed}',
                'train_dataloader.dataset.data_prefix.video=/nowhere']) == 1
    assert capsys.readouterr().err == (
        f'tdn train: train list {listed}: none of its first 2 videos is '
        'there (e.g. /nowhere/a.mp4): check the data root (data_prefix, or '
        '--data-root)\n')


def test_the_python_api_names_the_extra_too(tmp_path, monkeypatch):
    """Through the library (no CLI check): the same one line."""
    from tdn_plugin.deploy.runtimes import open_runtime
    from tdn_plugin.utils.dependencies import MissingDependencyError
    graph = tmp_path / 'm.onnx'
    graph.write_bytes(b'x')
    monkeypatch.setattr('tdn_plugin.utils.dependencies.installed',
                        lambda module: module != 'onnxruntime')
    with pytest.raises(MissingDependencyError,
                       match="needs the 'deploy' extra"):
        open_runtime(str(graph), 'onnxruntime')


def test_a_label_that_is_no_class_of_the_model_is_one_line(tmp_path,
                                                           capsys):
    (tmp_path / 'a.mp4').write_bytes(b'x')
    (tmp_path / 'list.txt').write_text('a.mp4 0\na.mp4 12\n')
    listed = f'{tmp_path}/list.txt'
    assert run(['train', TOY, '--work-dir', str(tmp_path), '--cfg-options',
                f'train_dataloader.dataset.ann_file={listed}',
                f'val_dataloader.dataset.ann_file={listed}',
                f'train_dataloader.dataset.data_prefix.video={tmp_path}',
                f'val_dataloader.dataset.data_prefix.video={tmp_path}']) == 1
    assert capsys.readouterr().err.startswith(
        f'tdn train: train list {listed}: label 12 of a.mp4 is not a class '
        'of the model (10 classes')


def test_compile_without_a_cpp_compiler_is_one_line_before_work(
        tiny_config, tmp_path, monkeypatch, capsys):
    """compile=True (inductor) on a CPU machine without g++: one line
    naming the fix, exit 1, before the data is read; another backend or
    compile off is not checked."""
    from torch._inductor import config as inductor_config
    with inductor_config.patch({'cpp.cxx': ('no-such-c++', )}):
        monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
        with pytest.raises(ConfigError, match=r"compile=True: .*inductor "
                           r"backend needs a C\+\+ compiler .*tried "
                           r"no-such-c\+\+.*install g\+\+"):
            check_config(Config(dict(compile=True)))
        for ok in (None, False, dict(backend='eager')):
            check_config(Config(dict(compile=ok)))
        assert run(['train', tiny_config, '--work-dir', str(tmp_path / 'w'),
                    '--cfg-options', 'compile=True']) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and 'C++ compiler' in err[0]
    assert not (tmp_path / 'w').exists()
