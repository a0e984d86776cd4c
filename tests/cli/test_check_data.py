import cv2
import numpy as np
import pytest

from tdn_plugin.cli.main import main
from tdn_plugin.utils.video_io import write_video


@pytest.fixture(scope='module')
def broken_list(tiny_videos, tmp_path_factory):
    """The tiny videos' list plus a truncated mp4, an empty file, a missing
    file and a too short (3 frames) video."""
    root = tmp_path_factory.mktemp('check_data')
    (root / 'truncated.mp4').write_bytes(
        (tiny_videos / '000.mp4').read_bytes()[:200])
    (root / 'empty.mp4').write_bytes(b'')
    write_video(root / 'short.mp4', np.stack(
        [np.full((32, 32, 3), 80 * i, np.uint8) for i in range(3)]))
    broken = {
        'unreadable': [root / 'truncated.mp4', root / 'empty.mp4'],
        'missing': [root / 'missing.mp4'],
        'too short': [root / 'short.mp4'],
    }
    lines = (tiny_videos / 'list.txt').read_text().splitlines()
    lines += [f'{p} 0' for ps in broken.values() for p in ps]
    path = root / 'list.txt'
    path.write_text('\n'.join(lines) + '\n')
    return path, {k: [str(p) for p in ps] for k, ps in broken.items()}


def _problems(out):
    found = {}
    for line in out.splitlines():
        if line.startswith('  ') and ':' in line:
            kind, rest = line.strip().split(':', 1)
            found.setdefault(kind, []).append(rest.split()[0])
    return found


def test_clean_list_exits_0(tiny_config, capsys):
    assert main(['check-data', tiny_config]) == 0
    out = capsys.readouterr().out
    assert 'train: 8 videos, all good' in out
    assert 'val: the same annotation list as train' in out


@pytest.mark.parametrize('jobs', ['1', '2'])
def test_lists_exactly_the_broken_videos(tiny_config, broken_list, capsys,
                                         jobs):
    ann, broken = broken_list
    code = main([
        'check-data', tiny_config, '--splits', 'train', '--jobs', jobs,
        '--cfg-options', f'train_dataloader.dataset.ann_file={ann}'
    ])
    captured = capsys.readouterr()
    assert code == 1
    assert _problems(captured.out) == broken
    assert ('train: 4 of 12 videos have problems (1 missing, 2 unreadable, '
            '1 too short)') in captured.out
    assert '3 frames < 5' in captured.out  # TDNSampleFrames' 5 frames
    assert 'check-data train' in captured.err  # the progress bar


def test_min_frames_and_wrapped_rawframes(tiny_config, tmp_path, capsys):
    """RawframeDataset inside SkipBadVideos and RepeatDataset: a missing
    folder, a folder without its listed last frame, --min-frames."""
    for name, count in (('a', 6), ('b', 2)):
        (tmp_path / name).mkdir()
        for i in range(1, count + 1):
            cv2.imwrite(str(tmp_path / name / f'img_{i:05d}.jpg'),
                        np.zeros((8, 8, 3), np.uint8))
    (tmp_path / 'frames.txt').write_text('a 6 0\nb 4 1\nc 5 0\n')
    config = tmp_path / 'rawframes.py'
    config.write_text(
        f"_base_ = ['{tiny_config}']\n"
        "test_dataloader = dict(dataset=dict(_delete_=True, "
        "type='RepeatDataset', times=2, dataset=dict(type='SkipBadVideos', "
        "dataset=dict(type='RawframeDataset', "
        f"ann_file='{tmp_path}/frames.txt', data_prefix=dict(img="
        f"'{tmp_path}'), pipeline=[]))))\n")
    code = main(['check-data', str(config), '--splits', 'test',
                 '--min-frames', '10'])
    out = capsys.readouterr().out
    assert code == 1
    assert _problems(out) == {
        'too short': [f'{tmp_path}/a'],
        'unreadable': [f'{tmp_path}/b'],
        'missing': [f'{tmp_path}/c'],
    }
    assert 'img_00004.jpg is missing (the list gives 4 frames)' in out
