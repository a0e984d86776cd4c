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


def test_compile_without_a_cpp_compiler_is_one_line_before_work(
        tiny_config, tmp_path, monkeypatch, capsys):
    """compile=True (inductor) on a CPU machine without g++: one line
    naming the fix, exit 1, before the data is read; another backend or
    compile off is not checked."""
    from torch._inductor import config as inductor_config
    monkeypatch.setattr(inductor_config.cpp, 'cxx', ('no-such-c++', ))
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    with pytest.raises(ConfigError, match=r"compile=True: .*inductor backend "
                       r"needs a C\+\+ compiler .*tried no-such-c\+\+.*"
                       r"install g\+\+"):
        check_config(Config(dict(compile=True)))
    for ok in (None, False, dict(backend='eager')):
        check_config(Config(dict(compile=ok)))
    assert run(['train', tiny_config, '--work-dir', str(tmp_path / 'w'),
                '--cfg-options', 'compile=True']) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and 'C++ compiler' in err[0]
    assert not (tmp_path / 'w').exists()
