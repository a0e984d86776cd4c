"""Deployment: a recognizer's test-time scores as an ONNX graph (OpenVINO
IR, int8), run by ONNX Runtime and OpenVINO, checked against PyTorch.

Needs the ``deploy`` extra (onnx, onnxruntime, openvino); submodules import
them where they are used.
"""
