# SlowFast at demo scale (MMAction2's Recognizer3D + ResNet3dSlowFast +
# SlowFastHead, unchanged): ResNet-18 pathways; the slow one sees every
# other frame of the 8-frame clip, the fast one (1/8 of the channels)
# every frame, with lateral connections from fast to slow.
# Data, clip, input size and schedule: _base_/toy-motion-3d.py.
_base_ = ['./_base_/toy-motion-3d.py']

pathway = dict(type='resnet3d', depth=18, pretrained=None, norm_eval=False,
               conv1_stride_t=1, pool1_stride_t=1)
model = dict(
    backbone=dict(
        type='ResNet3dSlowFast',
        pretrained=None,
        resample_rate=2,  # slow: every other frame
        speed_ratio=2,  # fast: 2x the slow pathway's frames
        channel_ratio=8,
        slow_pathway=dict(
            lateral=True,
            conv1_kernel=(1, 7, 7),
            inflate=(0, 0, 1, 1),
            **pathway),
        fast_pathway=dict(
            lateral=False,
            base_channels=8,
            conv1_kernel=(5, 7, 7),
            **pathway)),
    cls_head=dict(type='SlowFastHead', in_channels=512 + 64))
