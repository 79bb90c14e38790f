"""Segmentation inference helpers: colour overlays and image | truth | prediction panels.

Used by ``tools/infer.py`` and the demo. Models are built and loaded with MMSegmentation's
own ``init_model`` / ``inference_model``; checkpoints are read tensors-only.
"""
from __future__ import annotations

import os
import os.path as osp
import sys
from collections import Counter
from typing import Callable, List, NamedTuple, Optional, Sequence, Tuple, Union

import numpy as np
from PIL import Image

from ..progress import track

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


def predict(model, images: Sequence[Union[str, np.ndarray]]) -> List[np.ndarray]:
    """Class-index maps (H x W, int64) of ``images`` (paths, or RGB arrays) at their sizes."""
    from mmseg.apis import inference_model
    # arrays go in as the BGR that MMSegmentation's LoadImageFromNDArray takes
    images = [np.ascontiguousarray(i[..., ::-1]) if isinstance(i, np.ndarray) else i
              for i in images]
    results = inference_model(model, images)
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
    """Expand files and directories into a list of image files (each directory's sorted; a
    file named twice counts once)."""
    files = []
    for item in inputs:
        if osp.isdir(item):
            files += sorted(osp.join(item, f) for f in os.listdir(item)
                            if f.lower().endswith(IMAGE_SUFFIXES))
        elif osp.isfile(item) or osp.islink(item):
            files.append(item)
        else:
            raise FileNotFoundError(f'Input {item!r} is neither an image file nor a directory.')
    if not files:
        raise FileNotFoundError(f'No images ({", ".join(IMAGE_SUFFIXES)}) found in {inputs}.')
    return list(dict.fromkeys(files))


def output_names(files: Sequence[str]) -> List[str]:
    """The ``.png`` name, relative to the output folder, of each input: its path below the
    folder all inputs share, so that same-named images of two folders stay apart
    (``a/x.jpg``, ``b/x.jpg`` -> ``a/x.png``, ``b/x.png``); where two inputs of one folder share
    a stem, both keep their suffix (``x.jpg.png``, ``x.png.png``)."""
    paths = [osp.abspath(f) for f in files]
    root = osp.commonpath([osp.dirname(p) for p in paths]) if paths else ''
    rel = [osp.relpath(p, root) for p in paths]
    stems = Counter(osp.splitext(r)[0] for r in rel)
    return [(osp.splitext(r)[0] if stems[osp.splitext(r)[0]] == 1 else r) + '.png' for r in rel]


class Skipped(NamedTuple):
    """An input a folder job could not use, and why."""

    path: str
    reason: str


class SkipLog:
    """The inputs a folder job skipped (:attr:`items`): called with a :class:`Skipped` (as an
    ``on_skip``), it names the input on standard error at once and keeps it; :meth:`summarize`
    ends the job."""

    def __init__(self) -> None:
        self.items: List[Skipped] = []

    def __call__(self, item: Skipped) -> None:
        self.items.append(item)
        print(f'skipped {item.path}: {item.reason}', file=sys.stderr, flush=True)

    def summarize(self, summary: str) -> int:
        """Print ``summary``, and the skipped inputs one a line; the job's exit status (1 if
        anything was skipped)."""
        print(summary + (f'; {len(self.items)} skipped:' if self.items else ''),
              file=sys.stderr)
        for item in self.items:
            print(f'  {item.path}: {item.reason}', file=sys.stderr)
        return 1 if self.items else 0


def read_or_skip(path: str, skipped: List[Skipped]) -> Optional[np.ndarray]:
    """:func:`read_rgb`, or None with ``path`` and the reason added to ``skipped`` if the file
    cannot be read or decoded (missing, unreadable, truncated, not an image)."""
    try:
        return read_rgb(path)
    except (OSError, ValueError, SyntaxError) as exc:  # PIL's errors for broken files
        skipped.append(Skipped(path, f'{type(exc).__name__}: {exc}'))
        return None


def segment_files(predict_images: Callable[[List[np.ndarray]], List[np.ndarray]],
                  palette_for: Callable[[np.ndarray], np.ndarray], files: Sequence[str],
                  out_dir: str, opacity: float = 0.5, batch_size: int = 4,
                  on_skip: Optional[Callable[[Skipped], None]] = None
                  ) -> Tuple[List[str], List[Skipped]]:
    """Segment ``files`` and write their colour overlays into ``out_dir`` under
    :func:`output_names`; an input that cannot be read is skipped, the others are written.

    Args:
        predict_images: RGB images -> class-index maps of the same sizes.
        palette_for: A class-index map -> the palette to colour it with.
        files: Image paths.
        out_dir: Output folder.
        opacity: Overlay opacity in [0, 1].
        batch_size: Images segmented at once.
        on_skip: Called with each skipped input when it is skipped.

    Returns:
        ``(written paths, skipped inputs)``.
    """
    if not 0.0 <= opacity <= 1.0:
        raise ValueError(f'opacity must be in [0, 1], got {opacity}.')
    names = dict(zip(files, output_names(files)))
    written, skipped = [], []
    chunks = [files[i:i + batch_size] for i in range(0, len(files), batch_size)]
    for chunk in track(chunks, f'segmenting {len(files)} images, {batch_size} at a time'):
        good = []
        for path in chunk:
            before = len(skipped)
            image = read_or_skip(path, skipped)
            if image is not None:
                good.append((path, image))
            elif on_skip is not None:
                on_skip(skipped[before])
        if not good:
            continue
        for (path, image), labels in zip(good, predict_images([img for _, img in good])):
            out = osp.join(out_dir, names[path])
            os.makedirs(osp.dirname(out), exist_ok=True)
            Image.fromarray(overlay(image, labels, palette_for(labels), opacity)).save(out)
            written.append(out)
    return written, skipped


def write_overlays(model, images: Sequence[str], out_dir: str, opacity: float = 0.5,
                   batch_size: int = 4, on_skip: Optional[Callable[[Skipped], None]] = None
                   ) -> Tuple[List[str], List[Skipped]]:
    """:func:`segment_files` with a segmentor from :func:`load_segmentor`."""
    palette = palette_of(model)
    return segment_files(lambda arrays: predict(model, arrays), lambda labels: palette,
                         images, out_dir, opacity, batch_size, on_skip)


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
