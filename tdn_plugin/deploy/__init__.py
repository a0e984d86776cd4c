"""Deployment: ONNX export of a recognizer's test-time scores, ONNX Runtime
and OpenVINO backends, int8 quantisation and backend benchmarks.

Needs the ``deploy`` extra (onnx, onnxruntime, openvino); submodules import
them where they are used.
"""
