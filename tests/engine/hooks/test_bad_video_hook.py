"""The work dir's list of unreadable videos that ``BadVideoHook`` keeps
for the report of ``tdn compare``."""
from types import SimpleNamespace

from tdn_plugin.engine.hooks import BadVideoHook
from tdn_plugin.engine.hooks.bad_video_hook import read_unreadable


def test_the_list_keeps_training_and_test_of_one_run(tmp_path):
    runner = SimpleNamespace(work_dir=str(tmp_path))
    (tmp_path / 'unreadable_videos.json').write_text(
        '{"train": {"old.mp4": "an earlier run"}}')
    hook = BadVideoHook()
    hook.before_train(runner)  # a new training: the old list goes
    hook._list(runner, 'train', [('a.mp4', 'cut short')])
    hook.before_test(runner)  # the Runner calls before_run again here
    hook._list(runner, 'test', [('b.mp4', 'a text file')])
    assert read_unreadable(str(tmp_path)) == {
        'train': {'a.mp4': 'cut short'}, 'test': {'b.mp4': 'a text file'}}
    # a later test of the run (tdn test): its training's list stays
    later = BadVideoHook()
    later.before_test(runner)
    assert read_unreadable(str(tmp_path)) == {
        'train': {'a.mp4': 'cut short'}}
