"""Deployment forms beyond PyTorch eager: ONNX export of backbones and whole segmentors, ONNX
Runtime sessions (dynamic input sizes through the export-time forms of :mod:`.dynamic`), int8
static quantization, and the accuracy of each form against the fp32 eager model. Needs the
"deploy" extra (onnx, onnxruntime, onnxscript, scikit-image)."""
from .int8 import (
                   FIDELITY_IMAGES,
                   SAMPLE_IMAGES,
                   calibration_batches,
                   preprocess,
                   quantize_onnx,
                   sample_images,
                   to_onnxruntime,
)
from .onnx_runtime import DynamicShapeError, OnnxRuntimeModel, compare_outputs, export_onnx

__all__ = ['FIDELITY_IMAGES', 'SAMPLE_IMAGES', 'DynamicShapeError', 'OnnxRuntimeModel',
           'calibration_batches', 'compare_outputs', 'export_onnx', 'preprocess',
           'quantize_onnx', 'sample_images', 'to_onnxruntime']
