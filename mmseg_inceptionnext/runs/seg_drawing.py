"""Segmentation inference helpers: colour overlays and image | truth | prediction panels.

Used by ``tools/infer.py`` and the demo. Models are built and loaded with MMSegmentation's
own ``init_model`` / ``inference_model``; checkpoints are read tensors-only.
"""
from __future__ import annotations

import os
import os.path as osp
from typing import List, Optional, Sequence

import numpy as np
from PIL import Image

IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')


def load_segmentor(config: str, checkpoint: str, device: str = 'cpu'):
    """Build a segmentor from ``config`` with the weights of ``checkpoint``, in eval mode.

    Args:
        config: Config file, or ``mmseg_inceptionnext::NAME``.
        checkpoint: Checkpoint of the whole segmentor (what ``tools/train.py`` writes).
        device: Torch device.

    Returns:
        The model, with ``dataset_meta`` (classes, palette) from the checkpoint.
    """
    from mmengine.model import revert_sync_batchnorm
    from mmseg.apis import init_model

    from ..plugin.config_names import resolve_config
    config = resolve_config(config)
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(f'Checkpoint file {checkpoint!r} does not exist.')
    model = init_model(config, checkpoint, device=device)
    return revert_sync_batchnorm(model)


def predict(model, images: Sequence[str]) -> List[np.ndarray]:
    """Class-index maps (H x W, int64) of ``images`` at their original sizes."""
    from mmseg.apis import inference_model
    results = inference_model(model, list(images))
    results = results if isinstance(results, list) else [results]
    return [r.pred_sem_seg.data[0].cpu().numpy() for r in results]


def palette_of(model, num_classes: Optional[int] = None) -> np.ndarray:
    """The model's class palette (K x 3 uint8), or a fixed random one when it has none."""
    meta = getattr(model, 'dataset_meta', None) or {}
    palette = meta.get('palette')
    if palette is None:
        count = num_classes or len(meta.get('classes', ())) or 256
        palette = np.random.default_rng(0).integers(0, 255, size=(count, 3))
    return np.asarray(palette, dtype=np.uint8)


def colorize(labels: np.ndarray, palette: np.ndarray, ignore_index: int = 255) -> np.ndarray:
    """Map a label map to RGB; ignored and out-of-palette pixels become black."""
    out = np.zeros((*labels.shape, 3), dtype=np.uint8)
    valid = (labels >= 0) & (labels < len(palette)) & (labels != ignore_index)
    out[valid] = palette[labels[valid]]
    return out


def overlay(image: np.ndarray, labels: np.ndarray, palette: np.ndarray,
            opacity: float = 0.5) -> np.ndarray:
    """Blend the colourised ``labels`` over an RGB ``image``."""
    if not 0.0 <= opacity <= 1.0:
        raise ValueError(f'opacity must be in [0, 1], got {opacity}.')
    colour = colorize(labels, palette).astype(np.float32)
    return (image.astype(np.float32) * (1 - opacity) + colour * opacity).astype(np.uint8)


def read_rgb(path: str) -> np.ndarray:
    """Read an image file as an RGB uint8 array."""
    with Image.open(path) as img:
        return np.asarray(img.convert('RGB'))


def list_images(inputs: Sequence[str]) -> List[str]:
    """Expand files and directories into a sorted list of image files."""
    files = []
    for item in inputs:
        if osp.isdir(item):
            files += sorted(osp.join(item, f) for f in os.listdir(item)
                            if f.lower().endswith(IMAGE_SUFFIXES))
        elif osp.isfile(item):
            files.append(item)
        else:
            raise FileNotFoundError(f'Input {item!r} is neither an image file nor a directory.')
    if not files:
        raise FileNotFoundError(f'No images ({", ".join(IMAGE_SUFFIXES)}) found in {inputs}.')
    return files


def write_overlays(model, images: Sequence[str], out_dir: str, opacity: float = 0.5,
                   batch_size: int = 4) -> List[str]:
    """Segment ``images`` and write ``<name>.png`` colour overlays into ``out_dir``.

    Returns:
        The written paths.
    """
    os.makedirs(out_dir, exist_ok=True)
    palette, written = palette_of(model), []
    for start in range(0, len(images), batch_size):
        chunk = images[start:start + batch_size]
        for path, labels in zip(chunk, predict(model, chunk)):
            out = osp.join(out_dir, osp.splitext(osp.basename(path))[0] + '.png')
            Image.fromarray(overlay(read_rgb(path), labels, palette, opacity)).save(out)
            written.append(out)
    return written


def comparison_panel(model, images: Sequence[str], truths: Sequence[np.ndarray],
                     out_file: str) -> str:
    """Write one PNG with a row per image: image | ground truth | prediction.

    Args:
        model: A segmentor from :func:`load_segmentor`.
        images: Image paths.
        truths: Class-index maps (255 = ignore) of the same sizes as the images.
        out_file: PNG to write.

    Returns:
        ``out_file``.
    """
    palette = palette_of(model)
    rows = []
    for path, truth, pred in zip(images, truths, predict(model, images)):
        rows.append(np.concatenate(
            [read_rgb(path), colorize(truth, palette), colorize(pred, palette)], axis=1))
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    Image.fromarray(np.concatenate(rows, axis=0)).save(out_file)
    return out_file
