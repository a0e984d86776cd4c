import onnx
import pytest
from onnx import TensorProto, helper

from tdn_plugin.deploy.metadata import (
    DeployMismatchError,
    check_checkpoint_sha,
    check_frames,
    check_metadata,
    config_name,
    graph_metadata,
    read_metadata,
    view_chunks,
)


def test_graph_metadata_of_a_demo_model(demo_models, tmp_path):
    cfg, model = demo_models('tdn')
    checkpoint = tmp_path / 'w.pth'
    checkpoint.write_bytes(b'weights')
    meta = graph_metadata('configs/demo/tdn_toy-motion.py', model,
                          (40, 3, 64, 48), str(checkpoint))
    assert meta['config'] == 'tdn_toy-motion'
    assert meta['num_classes'] == '10' and meta['frames_per_view'] == '20'
    assert (meta['input_height'], meta['input_width']) == ('64', '48')
    assert meta['exported_views'] == '2' and meta['average_clips'] == 'prob'
    assert len(meta['checkpoint_sha256']) == 64
    assert all(isinstance(v, str) for v in meta.values())


def test_check_metadata_refuses_another_config(demo_models, tmp_path):
    _, tdn = demo_models('tdn')
    meta = dict(config='tdn_toy-motion', num_classes='10',
                frames_per_view='20')
    check_metadata(meta, 'x/tdn_toy-motion.py', tdn, 'm.onnx')
    with pytest.raises(DeployMismatchError) as error:
        check_metadata(meta, 'gtdnet_toy-motion.py',
                       demo_models('gtdnet')[1], 'm.onnx')
    message = str(error.value)
    assert '\n' not in message and 'another config' in message
    assert "'gtdnet_toy-motion'" in message and 'frames_per_view' in message
    with pytest.raises(DeployMismatchError, match='not exported by'):
        check_metadata({}, 'a.py', tdn, 'm.onnx')
    weights = tmp_path / 'w.pth'
    weights.write_bytes(b'weights')
    meta = graph_metadata('tdn_toy-motion.py', tdn, (20, 3, 64, 64),
                          str(weights))
    check_checkpoint_sha(meta, str(weights), 'm.onnx')
    weights.write_bytes(b'other weights')
    with pytest.raises(DeployMismatchError, match='another checkpoint'):
        check_checkpoint_sha(meta, str(weights), 'm.onnx')


def test_check_frames():
    meta = dict(frames_per_view='20', input_height='64', input_width='64')
    check_frames(meta, (40, 3, 64, 64), 'v.mp4')
    with pytest.raises(DeployMismatchError, match='96x64 frames.*64x64'):
        check_frames(meta, (20, 3, 96, 64), 'v.mp4')
    with pytest.raises(DeployMismatchError, match='multiple of 20'):
        check_frames(meta, (30, 3, 64, 64), 'v.mp4')
    fixed = dict(meta, dynamic_views='false', exported_views='2')
    check_frames(fixed, (40, 3, 64, 64), 'v.mp4')
    check_frames(fixed, (80, 3, 64, 64), 'v.mp4')  # two calls
    with pytest.raises(DeployMismatchError, match='takes 2 a call'):
        check_frames(fixed, (60, 3, 64, 64), 'v.mp4')
    # a graph whose frame size is dynamic takes other sizes
    check_frames(dict(meta, dynamic_size='true'), (20, 3, 96, 64), 'v.mp4')
    with pytest.raises(DeployMismatchError, match='96x64 frames.*64x64'):
        check_frames(dict(meta, dynamic_size='false'), (20, 3, 96, 64),
                     'v.mp4')


def test_read_metadata_of_onnx(tmp_path):
    graph = helper.make_graph(
        [helper.make_node('Identity', ['x'], ['y'])], 'g',
        [helper.make_tensor_value_info('x', TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info('y', TensorProto.FLOAT, [1])])
    model = helper.make_model(graph)
    helper.set_model_props(model, dict(config='c', num_classes='3'))
    onnx.save(model, str(tmp_path / 'g.onnx'))
    assert read_metadata(str(tmp_path / 'g.onnx')) == dict(config='c',
                                                           num_classes='3')
    assert config_name('/a/b/c.py') == 'c'


def test_view_chunks_follow_the_graph():
    meta = dict(frames_per_view='40', average_clips='prob',
                dynamic_views='true', exported_views='1')
    chunks = view_chunks(print, meta)
    assert (chunks.runtime, chunks.frames_per_view, chunks.max_views,
            chunks.average_clips) == (print, 40, 4, 'prob')  # 160 frames
    fixed = view_chunks(print, dict(meta, dynamic_views='false',
                                    exported_views='2', average_clips='None'))
    assert (fixed.max_views, fixed.average_clips) == (2, None)
