import numpy as np
import pytest

from tdn_plugin.deploy.runtimes import ViewChunks, open_runtime
from tdn_plugin.utils.errors import RuntimeBackendError


def test_open_runtime_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match='model file not found'):
        open_runtime(str(tmp_path / 'missing.onnx'))
    xml = tmp_path / 'm.xml'
    xml.write_text('<net/>')
    with pytest.raises(ValueError, match='needs an .onnx file'):
        open_runtime(str(xml), 'onnxruntime')
    with pytest.raises(ValueError, match='unknown backend'):
        open_runtime(str(xml), 'tensorrt')
    bad = tmp_path / 'bad.onnx'
    bad.write_text('garbage')
    for backend in ('onnxruntime', 'openvino'):
        with pytest.raises(RuntimeBackendError) as error:
            open_runtime(str(bad), backend)
        message = str(error.value)
        assert message.startswith(f'cannot load {bad} with {backend}: ')
        assert '\n' not in message and 'Exception from' not in message


@pytest.mark.parametrize('rule', ['prob', 'score', None])
def test_view_chunks_combine_as_the_graph_does(rule):
    """7 views in calls of at most 3: the same scores as one call."""
    per_view, classes = 4, 5
    weights = np.random.default_rng(0).standard_normal((3 * 8 * 8, classes))

    def graph(frames):  # per-view scores, combined by the rule
        views = frames.reshape(-1, per_view * 3 * 8 * 8 // 4, 4).mean(-1)
        scores = views @ weights
        if rule == 'prob':
            scores = np.exp(scores) / np.exp(scores).sum(1, keepdims=True)
        return scores if rule is None else scores.mean(0)

    calls = []

    def counted(frames):
        calls.append(frames.shape[0] // per_view)
        return graph(frames)

    frames = np.random.default_rng(1).standard_normal(
        (7 * per_view, 3, 8, 8)).astype(np.float32)
    got = ViewChunks(counted, per_view, 3, rule)(frames)
    assert calls == [3, 3, 1]
    np.testing.assert_allclose(got, graph(frames), rtol=1e-5, atol=1e-6)


def test_view_chunks_make_runtime_errors_one_line():
    def runtime(frames):
        raise ValueError('[ONNXRuntimeError] : 2 : INVALID_ARGUMENT\nmore')

    with pytest.raises(RuntimeBackendError) as error:
        ViewChunks(runtime, 4, 2, 'prob')(np.zeros((4, 3, 8, 8), np.float32))
    assert str(error.value) == (
        'the graph cannot run on frames of shape (4, 3, 8, 8): '
        '[ONNXRuntimeError] : 2 : INVALID_ARGUMENT')


def _scale_graph(path, dynamic):
    """y = 2 x on (frames, 3, H, W); the axes symbolic or fixed."""
    from onnx import TensorProto, helper, numpy_helper, save
    shape = ['frames', 3, 'height', 'width'] if dynamic else [2, 3, 4, 4]
    graph = helper.make_graph(
        [helper.make_node('Mul', ['frames', 'two'], ['scores'])], 'g',
        [helper.make_tensor_value_info('frames', TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info('scores', TensorProto.FLOAT, shape)],
        [numpy_helper.from_array(np.array(2, np.float32), 'two')])
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)]),
         path)
    return path


def test_openvino_compiles_each_shape_of_a_dynamic_graph(tmp_path):
    from tdn_plugin.deploy.runtimes import OpenVinoModel
    model = OpenVinoModel(_scale_graph(str(tmp_path / 'd.onnx'), True),
                          max_shapes=2)
    shapes = [(2, 3, 4, 4), (4, 3, 4, 4), (2, 3, 8, 6), (2, 3, 4, 4)]
    for shape in shapes:
        x = np.random.default_rng(0).standard_normal(shape, np.float32)
        np.testing.assert_array_equal(model(x), 2 * x)
    # the two most recent shapes are kept, the latest last
    assert list(model.requests) == [(2, 3, 8, 6), (2, 3, 4, 4)]
    fixed = OpenVinoModel(_scale_graph(str(tmp_path / 's.onnx'), False))
    assert list(fixed.requests) == [(2, 3, 4, 4)]
    x = np.ones((2, 3, 4, 4), np.float32)
    np.testing.assert_array_equal(fixed(x), 2 * x)


def test_openvino_runs_dynamic_where_static_shapes_fail(tmp_path,
                                                        monkeypatch):
    """OpenVINO may refuse a graph once its shapes are static (its int8
    passes on TDN's L-TDM): the dynamic graph then serves every shape."""
    from tdn_plugin.deploy.runtimes import OpenVinoModel
    compile_static = OpenVinoModel._compile

    def refuse_static(self, model):
        if not model.inputs[0].get_partial_shape().is_dynamic:
            raise RuntimeError('Exception from src/inference: static')
        return compile_static(self, model)

    monkeypatch.setattr(OpenVinoModel, '_compile', refuse_static)
    model = OpenVinoModel(_scale_graph(str(tmp_path / 'd.onnx'), True))
    for shape in ((2, 3, 4, 4), (4, 3, 6, 6)):
        x = np.ones(shape, np.float32)
        np.testing.assert_array_equal(model(x), 2 * x)
    assert model.any_shape is not None and not model.requests
