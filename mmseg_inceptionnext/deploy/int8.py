"""int8 inference on CPUs: post-training static quantization in ONNX Runtime.

The network is exported to ONNX (:func:`~.onnx_runtime.export_onnx`), then ONNX Runtime's
``quantize_static`` writes a QDQ graph: int8 weights per output channel, uint8 activations
with scales calibrated on a few batches of real images, which ONNX Runtime runs with integer
kernels (VNNI / AMX dot products where the CPU has them). Why this toolkit and not PyTorch's
PT2E flow or OpenVINO with NNCF, with the figures of each, is in docs/benchmarks.md.

One call does it all: :func:`to_onnxruntime`.
"""
from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from typing import Callable, Iterable, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import nn

from ..runs.seg_drawing import Skipped, read_or_skip
from .onnx_runtime import OnnxRuntimeModel, _require_onnx, export_onnx

#: ImageNet normalisation of the released backbones (RGB, 0-255 input).
IMAGENET_MEAN = (123.675, 116.28, 103.53)
IMAGENET_STD = (58.395, 57.12, 57.375)
#: Photographs shipped inside scikit-image (no download), used for calibration when the user
#: gives no images of their own ...
SAMPLE_IMAGES = ('astronaut', 'rocket', 'immunohistochemistry', 'hubble_deep_field')
#: ... and, kept apart from those, for measuring how close a fast form stays to fp32.
FIDELITY_IMAGES = ('coffee', 'chelsea', 'retina')
#: Calibration method: MinMax keeps the full activation range (measured best for these
#: networks, see docs/benchmarks.md).
CALIBRATION_METHOD = 'MinMax'
#: Fewest readable images int8 calibration quantizes on.
MIN_CALIBRATION = 2


def sample_images(names: Sequence[str] = SAMPLE_IMAGES) -> List[np.ndarray]:
    """RGB uint8 photographs from ``skimage.data`` (shipped with scikit-image, no download)."""
    try:
        from skimage import data
    except ImportError as err:
        raise ImportError('scikit-image is missing: calibration on sample photographs needs '
                          'the "deploy" extra: pip install "mmseg_inceptionnext[deploy]", or '
                          'pass your own images') from err
    images = []
    for name in names:
        img = getattr(data, name)()
        if img.ndim == 2:
            img = np.stack([img] * 3, axis=-1)
        images.append(np.ascontiguousarray(img[..., :3]).astype(np.uint8))
    return images


def read_calibration(files: Sequence[str], on_skip: Callable[[Skipped], None]
                     ) -> List[np.ndarray]:
    """The readable images of ``files``, for int8 calibration; each file that cannot be read
    goes to ``on_skip`` and is left out.

    Raises:
        ValueError: Fewer than :data:`MIN_CALIBRATION` of them could be read.
    """
    images, skipped = [], []
    for path in files:
        image = read_or_skip(path, skipped)
        if image is None:
            on_skip(skipped[-1])
        else:
            images.append(image)
    if len(images) < MIN_CALIBRATION:
        raise ValueError(f'int8 calibration needs at least {MIN_CALIBRATION} readable images; '
                         f'{len(images)} of {len(files)} could be read. Give more with '
                         f'--calibration IMAGE_OR_DIR.')
    return images


def preprocess(image: np.ndarray, size: Tuple[int, int], mean: Sequence[float] = IMAGENET_MEAN,
               std: Sequence[float] = IMAGENET_STD) -> torch.Tensor:
    """An RGB uint8 H x W x 3 image resized to ``size`` (H, W) and normalised: 1 x 3 x H x W."""
    x = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1)[None].float()
    x = torch.nn.functional.interpolate(x, size=tuple(size), mode='bilinear',
                                        align_corners=False, antialias=True)
    mean_t = torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1)
    std_t = torch.tensor(std, dtype=torch.float32).view(1, 3, 1, 1)
    return (x - mean_t) / std_t


def calibration_batches(batch: int, size: Tuple[int, int],
                        images: Optional[Sequence[np.ndarray]] = None, batches: int = 2,
                        mean: Sequence[float] = IMAGENET_MEAN,
                        std: Sequence[float] = IMAGENET_STD) -> List[torch.Tensor]:
    """``batches`` normalised batches of ``batch`` images each, cycling through ``images``
    (default: :func:`sample_images`), every image resized to ``size``."""
    images = list(images) if images is not None else sample_images()
    if not images:
        raise ValueError('Calibration needs at least one image.')
    singles = [preprocess(images[i % len(images)], size, mean, std)
               for i in range(batch * batches)]
    return [torch.cat(singles[i * batch:(i + 1) * batch]) for i in range(batches)]


def rebatch(batches: Iterable[torch.Tensor], size: int) -> List[torch.Tensor]:
    """The images of ``batches`` regrouped into batches of ``size`` (a fixed-size graph takes
    no other), repeating images when there are fewer than ``size``."""
    images = torch.cat(list(batches))
    if len(images) < size:
        images = images.repeat((size + len(images) - 1) // len(images), 1, 1, 1)
    return list(images[:len(images) // size * size].split(size))


def quantize_onnx(fp32_path: str, out_path: str, calibration: Iterable[torch.Tensor], *,
                  per_channel: bool = True, method: str = CALIBRATION_METHOD) -> str:
    """Statically quantize the ONNX file ``fp32_path`` to int8 (QDQ) at ``out_path``.

    Args:
        fp32_path: The float model (one image input).
        out_path: Where to write the int8 model.
        calibration: Input batches that look like real use (normalised images of the size
            the graph takes); a few batches suffice.
        per_channel: Per-output-channel weight scales (recommended for depthwise
            convolutions, whose channels differ widely).
        method: 'MinMax', 'Percentile' or 'Entropy' (ONNX Runtime's calibrators).

    Returns:
        ``out_path``.
    """
    _require_onnx()
    import onnxruntime
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    batches = [np.ascontiguousarray(b.detach().cpu().float().numpy()) for b in calibration]
    if not batches:
        raise ValueError('Calibration needs at least one batch of images.')
    methods = {m.name: m for m in CalibrationMethod}
    if method not in methods:
        raise ValueError(f'Unknown calibration method {method!r}; valid: {sorted(methods)}.')
    image = onnxruntime.InferenceSession(
        fp32_path, providers=['CPUExecutionProvider']).get_inputs()[0]
    input_name = image.name
    # ONNX Runtime's symbolic shape inference cannot follow a Resize whose sizes are computed
    # from the input's (a dynamic segmentor's upsampling) and gives up on the whole graph;
    # ONNX's own shape inference, which the quantizer needs, copes with it.
    dynamic = not all(isinstance(dim, int) for dim in image.shape[2:])

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.items = iter(batches)

        def get_next(self):
            batch = next(self.items, None)
            return None if batch is None else {input_name: batch}

    with tempfile.TemporaryDirectory() as tmp, _quiet_root_logger():
        prepared = os.path.join(tmp, 'prepared.onnx')
        quant_pre_process(fp32_path, prepared, skip_symbolic_shape=dynamic)
        quantize_static(prepared, out_path, Reader(), quant_format=QuantFormat.QDQ,
                        per_channel=per_channel, activation_type=QuantType.QUInt8,
                        weight_type=QuantType.QInt8, calibrate_method=methods[method],
                        extra_options=dict(CalibTensorRangeSymmetric=False))
    return out_path


@contextlib.contextmanager
def _quiet_root_logger():
    """ONNX Runtime's quantizer logs a warning per 1-d weight it leaves per-tensor (norm
    scales); those are expected, so only errors get through while it runs."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(level)


def to_onnxruntime(module: nn.Module, example: torch.Tensor, *, int8: bool = False,
                   calibration: Optional[Iterable[torch.Tensor]] = None,
                   path: Optional[str] = None, dynamic: bool = False,
                   metadata: Optional[dict] = None,
                   threads: Optional[int] = None,
                   fp32_onnx: Optional[str] = None) -> OnnxRuntimeModel:
    """``module`` (eval mode) in ONNX Runtime, at fp32 or int8: the one call.

    Args:
        module: The network (a backbone, or a segmentor's :class:`~.segmentor.SegmentorNetwork`).
        example: An input of the size the graph takes.
        int8: Quantize statically (:func:`quantize_onnx`), calibrated on ``calibration``.
        calibration: Normalised input batches; default: :func:`calibration_batches` of
            scikit-image's photographs at ``example``'s size.
        path: Where to keep the ONNX file (default: a temporary file, removed when the
            process ends).
        dynamic: Dynamic batch and input size (fp32; int8 calibrates at ``example``'s size).
        metadata: Strings stored in the file.
        threads: ONNX Runtime intra-op threads (default: torch's).
        fp32_onnx: With ``int8``: an fp32 ONNX file of ``module`` at ``example``'s shape
            (as this function or :func:`export_onnx` wrote it) to quantize, instead of
            exporting ``module`` again.

    Returns:
        An :class:`OnnxRuntimeModel`, called like ``module`` on torch tensors.
    """
    tmp = None
    if path is None:
        tmp = tempfile.TemporaryDirectory(prefix='mmseg_inceptionnext_onnx_')
        path = os.path.join(tmp.name, 'int8.onnx' if int8 else 'fp32.onnx')
    if int8:
        if calibration is None:
            calibration = calibration_batches(example.shape[0], tuple(example.shape[2:]))
        fp32 = fp32_onnx
        if fp32 is None:
            fp32 = os.path.splitext(path)[0] + '.fp32.onnx'
            export_onnx(module, example, fp32, dynamic=dynamic, metadata=metadata)
        quantize_onnx(fp32, path, calibration if dynamic else
                      rebatch(calibration, example.shape[0]))
    else:
        export_onnx(module, example, path, dynamic=dynamic, metadata=metadata)
    model = OnnxRuntimeModel(path, threads=threads)
    model._tmp = tmp  # keeps the temporary folder alive as long as the session
    return model
