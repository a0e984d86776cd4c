"""The one video I/O helper: mp4 writing and reading back, list files."""
import numpy as np
import pytest

from tdn_plugin.utils.errors import UserError
from tdn_plugin.utils.video_io import (
    ListFileError,
    count_frames,
    read_class_names,
    read_frames,
    read_video_list,
    write_video,
)


def test_written_video_reads_back_frame_for_frame(tmp_path):
    frames = np.zeros((7, 32, 64, 3), np.uint8)
    frames[:, :, :16] = (250, 0, 0)  # red on the left, RGB kept
    frames[np.arange(7), :, 16 + 4 * np.arange(7)] = 255
    write_video(tmp_path / 'a.mp4', frames)
    decoded = read_frames(tmp_path / 'a.mp4')
    assert decoded.shape == frames.shape and count_frames(
        tmp_path / 'a.mp4') == 7
    assert decoded[:, :, :12, 0].mean() > 200
    assert decoded[:, :, :12, 2].mean() < 30
    assert np.abs(decoded.astype(int) - frames).mean() < 8
    assert read_frames(tmp_path / 'a.mp4', max_frames=3).shape[0] == 3


def test_odd_sizes_are_padded_to_even(tmp_path):
    write_video(tmp_path / 'odd.mp4', np.full((3, 31, 63, 3), 90, np.uint8))
    assert read_frames(tmp_path / 'odd.mp4').shape == (3, 32, 64, 3)


def test_unwritable_path_is_an_os_error(tmp_path):
    with pytest.raises(OSError, match='cannot open'):
        write_video(tmp_path / 'no' / 'dir' / 'a.mp4',
                    np.zeros((2, 16, 16, 3), np.uint8))


def test_video_list_and_its_errors(tmp_path):
    path = tmp_path / 'list.txt'
    path.write_text('a.mp4 0\n\nsub/b.mp4 3\n')
    assert read_video_list(path) == [('a.mp4', 0), ('sub/b.mp4', 3)]
    path.write_text('a.mp4 0\nb.mp4\n')
    with pytest.raises(ListFileError, match=r'list.txt:2: expected'):
        read_video_list(path)
    with pytest.raises(UserError, match='file not found'):
        read_video_list(tmp_path / 'none.txt')


def test_class_names(tmp_path):
    path = tmp_path / 'classes.txt'
    path.write_text('a\n b \n\n')
    assert read_class_names(path) == ['a', 'b']
    assert read_class_names(str(path), 2) == ['a', 'b']
    with pytest.raises(ValueError, match='names 2 classes, the model has 3'):
        read_class_names(path, 3)
    with pytest.raises(FileNotFoundError):
        read_class_names(tmp_path / 'none.txt')


def test_gop_sets_the_keyframe_interval(tmp_path):
    import decord
    yy, xx = np.mgrid[:32, :64]
    frames = np.stack([np.stack([(xx * 8 + t * 5) % 256, yy * 0 + 90,
                                 (yy * 9 + t * 3) % 256], -1)
                       for t in range(20)]).astype(np.uint8)
    for suffix, gop, keys in (('mp4', 5, [0, 5, 10, 15]), ('avi', 100, [0])):
        path = str(tmp_path / f'a.{suffix}')
        write_video(path, frames, gop=gop)
        assert decord.VideoReader(path).get_key_indices() == keys


def _truncated_and_text(tmp_path):
    good = tmp_path / 'good.mp4'
    write_video(good, np.zeros((12, 32, 32, 3), np.uint8))
    truncated = tmp_path / 'truncated.mp4'
    truncated.write_bytes(good.read_bytes()[:len(good.read_bytes()) // 3])
    no_stream = tmp_path / 'no_stream.mp4'  # the header cut off short
    no_stream.write_bytes(good.read_bytes()[:48])
    text = tmp_path / 'notes.mp4'
    text.write_text(''.join(f'line {i} of some notes\n' for i in range(400)))
    return truncated, text, no_stream


def test_the_decoders_own_lines_become_one_reason(tmp_path, capfd):
    from tdn_plugin.utils.video_io import UnreadableVideoError, open_video
    truncated, text, no_stream = _truncated_and_text(tmp_path)
    with pytest.raises(UnreadableVideoError,
                       match=f'cannot read {truncated}: no video stream: '
                       'the file is cut short'):
        open_video(truncated)
    with pytest.raises(RuntimeError,  # also what decord raised
                       match=f'cannot read {text}: a text file, not a '
                       'video'):
        open_video(text)
    with pytest.raises(UnreadableVideoError, match='cut short'):
        open_video(no_stream)
    assert capfd.readouterr().err == ''  # no moov atom, no file contents


def test_what_a_good_open_prints_is_passed_on(capfd):
    import os

    from tdn_plugin.utils.video_io import decoder_output
    with decoder_output():
        os.write(2, b'a warning of the decoder\n')
    assert capfd.readouterr().err == 'a warning of the decoder\n'
