"""What `tdn benchmark --profile` reports as parts of each model."""
from tdn_plugin.apis.benchmark import build, model_parts
from tdn_plugin.models import fuse_for_inference


def test_parts_are_the_stages_temporal_modules_and_head():
    tdn = fuse_for_inference(build('tdn'))
    parts = model_parts(tdn)
    assert list(parts)[:8] == ['backbone', 'conv1', 'maxpool', 'layer1',
                               'layer2', 'layer3', 'layer4',
                               'short_term_tdm']
    # an L-TDM and a temporal conv in each of the 13 res3-res5 blocks
    assert len(parts['FusedLongTermTDM']) == 13
    assert len(parts['FusedTemporalConvShift']) == 13
    assert parts['cls_head'] == [tdn.cls_head]
    # TSM's shift is inside its convs: no part of its own
    assert set(model_parts(build('tsm'))) == {
        'backbone', 'conv1', 'maxpool', 'layer1', 'layer2', 'layer3',
        'layer4', 'cls_head'}
