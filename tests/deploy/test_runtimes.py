import pytest

from tdn_plugin.deploy.runtimes import open_runtime


def test_open_runtime_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match='model file not found'):
        open_runtime(str(tmp_path / 'missing.onnx'))
    xml = tmp_path / 'm.xml'
    xml.write_text('<net/>')
    with pytest.raises(ValueError, match='needs an .onnx file'):
        open_runtime(str(xml), 'onnxruntime')
    with pytest.raises(ValueError, match='unknown backend'):
        open_runtime(str(xml), 'tensorrt')
