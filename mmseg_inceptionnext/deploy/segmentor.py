"""A whole MMSegmentation segmentor as one ONNX graph (normalised image to logits), and
segmentation with that graph in ONNX Runtime, at fp32 or int8.

The graph is what ``EncoderDecoder.encode_decode`` computes in 'whole' mode: backbone, neck,
heads and the bilinear resize of the logits to the input size. Normalisation, the
keep-ratio resize of the test pipeline and the resize back to the image's own size run
outside it, from the settings stored in the file's metadata, so that one file carries all a
deployment needs (:class:`OnnxSegmentor`).
"""
from __future__ import annotations

import json
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .int8 import calibration_batches
from .onnx_runtime import OnnxRuntimeModel


class SegmentorNetwork(nn.Module):
    """An ``EncoderDecoder``'s network on a normalised N x 3 x H x W batch.

    Args:
        segmentor: The MMSegmentation model.
        resize: Resize the logits to the input size (as ``encode_decode``); without it the
            head's own output is returned (as FPS is counted).
    """

    def __init__(self, segmentor: nn.Module, resize: bool = True) -> None:
        super().__init__()
        if not hasattr(segmentor, 'decode_head') or not hasattr(segmentor, '_forward'):
            raise TypeError(f'{type(segmentor).__name__} is not an MMSegmentation '
                            f'EncoderDecoder (it has no decode_head / _forward).')
        self.segmentor, self.resize = segmentor, resize
        self.align_corners = bool(getattr(segmentor.decode_head, 'align_corners', False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logits = self.segmentor._forward(x)
        if self.resize:
            logits = F.interpolate(logits, size=x.shape[2:], mode='bilinear',
                                   align_corners=self.align_corners)
        return logits


def preprocessing_of(cfg) -> Dict[str, object]:
    """What the graph's caller must do to an image, read from a config: normalisation,
    channel order and the test pipeline's resize (``scale``, ``keep_ratio``)."""
    pre = cfg.model.get('data_preprocessor', {}) or {}
    meta: Dict[str, object] = dict(mean=list(pre.get('mean', (0.0, 0.0, 0.0))),
                                   std=list(pre.get('std', (1.0, 1.0, 1.0))),
                                   bgr_to_rgb=bool(pre.get('bgr_to_rgb', False)))
    pipeline = cfg.get('test_dataloader', {}).get('dataset', {}).get('pipeline', []) or \
        cfg.get('test_pipeline', [])
    for step in pipeline:
        if step.get('type') == 'Resize' and step.get('scale') is not None:
            meta.update(scale=list(step['scale']), keep_ratio=bool(step.get('keep_ratio')))
    return meta


def export_segmentor(model: nn.Module, cfg, out: str, *, shape: Tuple[int, int],
                     dynamic: bool = False, int8: bool = False,
                     calibration_images: Optional[Sequence[np.ndarray]] = None,
                     calibration_batch: int = 2) -> OnnxRuntimeModel:
    """Write ``model`` (a loaded segmentor, eval mode) to ``out`` and open it in ONNX Runtime.

    Args:
        model: The segmentor, weights loaded (:func:`~mmseg_inceptionnext.runs.seg_drawing.
            load_segmentor`).
        cfg: Its config (for normalisation, test resize, classes).
        out: The ONNX file to write.
        shape: Input (H, W) of the graph (with ``dynamic``, the example size).
        dynamic: Dynamic batch, height and width.
        int8: Quantize statically, calibrated on ``calibration_images`` (RGB uint8 arrays;
            default: scikit-image's photographs) resized to ``shape``.
        calibration_batch: Images per calibration batch.

    Returns:
        The file in an ONNX Runtime session.
    """
    from .int8 import to_onnxruntime
    pre = preprocessing_of(cfg)
    meta = dict(pre, classes=list(model.dataset_meta.get('classes', ())) if getattr(
        model, 'dataset_meta', None) else [], palette=(model.dataset_meta or {}).get('palette')
        if getattr(model, 'dataset_meta', None) else None, dynamic=dynamic, int8=int8,
        shape=list(shape))
    network = SegmentorNetwork(model).eval()
    example = torch.zeros(1, 3, *shape)
    calibration = None
    if int8:
        images = calibration_images
        count = max(len(images) if images is not None else 4, 1)
        calibration = calibration_batches(calibration_batch, shape, images,
                                          batches=max(1, count // calibration_batch),
                                          mean=pre['mean'], std=pre['std'])
    metadata = {'mmseg_inceptionnext': json.dumps(meta)}
    return to_onnxruntime(network, example, int8=int8, calibration=calibration, path=out,
                          dynamic=dynamic, metadata=metadata)


class OnnxSegmentor:
    """Segment RGB images with a graph written by :func:`export_segmentor`.

    Each image is resized as the config's test pipeline does (keep-ratio to its scale; for
    a fixed-size graph, to fit the graph, padded), normalised, run, and its logits are
    cropped and resized back to the image's own size.
    """

    def __init__(self, path: str, threads: Optional[int] = None) -> None:
        self.model = OnnxRuntimeModel(path, threads=threads)
        raw = self.model.metadata.get('mmseg_inceptionnext')
        if raw is None:
            raise ValueError(f'{path!r} was not written by `mmseg_inceptionnext export '
                             f'--config ...` (it lacks the preprocessing metadata); export the '
                             f'segmentor with this tool.')
        self.meta = json.loads(raw)
        shape = self.model.input_shape[2:]
        self.fixed = tuple(shape) if all(isinstance(s, int) for s in shape) else None

    @property
    def palette(self) -> Optional[np.ndarray]:
        pal = self.meta.get('palette')
        return None if pal is None else np.asarray(pal, dtype=np.uint8)

    def _target_size(self, h: int, w: int) -> Tuple[int, int]:
        """(H, W) the image is resized to before padding."""
        box = self.fixed or tuple(self.meta.get('scale', (w, h)))[::-1]  # scale is (W, H)
        if self.fixed is None and not self.meta.get('keep_ratio', True):
            return int(box[0]), int(box[1])
        # mmcv's keep-ratio rule: the long side fits the long edge, the short the short one
        long_edge, short_edge = max(box), min(box)
        factor = min(long_edge / max(h, w), short_edge / min(h, w))
        if self.fixed is not None:
            factor = min(self.fixed[0] / h, self.fixed[1] / w)
        return max(1, int(h * factor + 0.5)), max(1, int(w * factor + 0.5))

    def logits(self, image: np.ndarray) -> torch.Tensor:
        """Class scores (K x H x W) of one RGB uint8 image, at its own size."""
        h, w = image.shape[:2]
        th, tw = self._target_size(h, w)
        x = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1)[None].float()
        if not self.meta.get('bgr_to_rgb', True):  # the model was trained on BGR input
            x = x.flip(1)
        x = F.interpolate(x, size=(th, tw), mode='bilinear', align_corners=False)
        mean = torch.tensor(self.meta['mean'], dtype=torch.float32).view(1, 3, 1, 1)
        std = torch.tensor(self.meta['std'], dtype=torch.float32).view(1, 3, 1, 1)
        x = (x - mean) / std
        ph, pw = self.fixed or (th, tw)
        x = F.pad(x, (0, pw - tw, 0, ph - th))
        scores = self.model(x)[:, :, :th, :tw]
        return F.interpolate(scores, size=(h, w), mode='bilinear', align_corners=False)[0]

    def predict(self, images: Sequence[np.ndarray]) -> List[np.ndarray]:
        """Class-index maps (H x W, int64) of RGB uint8 images at their own sizes."""
        return [self.logits(img).argmax(0).numpy() for img in images]

