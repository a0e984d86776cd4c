# Unreadable videos (truncated, empty or missing; 1-2% of a Kinetics
# download) do not end a run. The runner named here (tdn_plugin's
# BadVideoRunner: mmengine's Runner that applies this setting first) wraps
# the dataset of every dataloader in SkipBadVideos and adds BadVideoHook
# (tdn_plugin.datasets.skip_bad_videos.wrap_bad_videos), with the `tdn`
# commands and with MMAction2's own tools/train.py and tools/test.py alike:
# training replaces each unreadable sample by another one; val/test score it
# as a blank clip, so metrics stay over the whole list; the log names every
# bad file once, with its cause, and counts them per epoch.
#   stop at the first one instead:  bad_videos = dict(strict=True)
#   (or --cfg-options bad_videos.strict=True)
#   no wrapping at all:             bad_videos = dict(skip=False)
bad_videos = dict(skip=True, strict=False, max_consecutive=100)
runner_type = 'BadVideoRunner'
