"""Deployment forms beyond PyTorch eager: ONNX export of backbones and whole segmentors, ONNX
Runtime sessions, int8 static quantization, and the accuracy of each form against the fp32
eager model. Needs the "deploy" extra (onnx, onnxruntime, onnxscript, scikit-image)."""
from .int8 import (
                   FIDELITY_IMAGES,
                   SAMPLE_IMAGES,
                   calibration_batches,
                   preprocess,
                   quantize_onnx,
                   sample_images,
                   to_onnxruntime,
)
from .onnx_runtime import OnnxRuntimeModel, compare_outputs, export_onnx

__all__ = ['FIDELITY_IMAGES', 'SAMPLE_IMAGES', 'OnnxRuntimeModel', 'calibration_batches',
           'compare_outputs', 'export_onnx', 'preprocess', 'quantize_onnx', 'sample_images',
           'to_onnxruntime']
