"""The ADE20K-like writer: ADE's folder layout, file names and label convention (label 0
ignore, 1 background, ``k + 2`` for ``SHAPE_CLASSES[k]``; see the package doc)."""
from __future__ import annotations

import re
from pathlib import Path

from PIL import Image

from ..progress import track
from .files import clear, save_jpeg, write_once, writer_params
from .scene import ade_label_map, indexed_scene
from .shapes import SHAPE_CLASSES

#: Name and palette colour of ADE-like label 1 (class 0), the background.
ADE_BACKGROUND = 'background'
ADE_BACKGROUND_COLOR = (120, 120, 120)


def make_ade20k_like(root: str | Path, *, num_train: int = 400, num_val: int = 60,
                     size: tuple[int, int] | int = (256, 256), seed: int = 0,
                     ignore_border: int = 1, overwrite: bool = False) -> dict:
    """Write an ADE20K-like segmentation dataset (ADE's layout, file names and labels).

    Files: ``root/ADEChallengeData2016/images/{training,validation}/ADE_{train,val}_%08d.jpg``
    (JPEG quality 95) and ``.../annotations/{training,validation}/ADE_{train,val}_%08d.png``
    (single-channel uint8: 0 ignore, 1 background, ``k + 2`` for ``SHAPE_CLASSES[k]``).

    Args:
        root: Folder that receives ``ADEChallengeData2016``.
        num_train: Number of training images.
        num_val: Number of validation images.
        size: ``(height, width)`` of every image, or one int for square images.
        seed: Seed of the whole dataset.
        ignore_border: Width of the ignore band on each side of every edge (0: none).
        overwrite: Regenerate even if a complete dataset with these parameters exists.

    Returns:
        Summary: ``root``, ``data_root``, ``num_train``, ``num_val``, ``size``, ``seed``,
        ``classes`` (names of the ``num_classes`` classes after ``reduce_zero_label``,
        background first), ``palette``, ``reduce_zero_label``, ``reused`` (True if nothing was
        written) and ``seconds``.
    """
    params = writer_params('make_ade20k_like', num_train=num_train, num_val=num_val, size=size,
                           seed=seed, ignore_border=int(ignore_border))
    height, width = params['size']
    data_root = Path(root) / 'ADEChallengeData2016'
    splits = [('training', 'train', int(num_train)), ('validation', 'val', int(num_val))]
    expected = [data_root / kind / folder / f'ADE_{tag}_{i:08d}.{ext}'
                for folder, tag, n in splits for i in range(1, n + 1)
                for kind, ext in (('images', 'jpg'), ('annotations', 'png'))]
    summary = dict(root=str(Path(root)), data_root=str(data_root), num_train=int(num_train),
                   num_val=int(num_val), size=[height, width], seed=int(seed),
                   classes=[ADE_BACKGROUND] + [c.name for c in SHAPE_CLASSES],
                   palette=[list(ADE_BACKGROUND_COLOR)] + [list(c.color) for c in SHAPE_CLASSES],
                   reduce_zero_label=True)

    def write() -> dict:
        pattern = re.compile(r'ADE_(train|val)_\d{8}\.(jpg|png)')
        for folder, tag, n in splits:
            img_dir = data_root / 'images' / folder
            ann_dir = data_root / 'annotations' / folder
            for d in (img_dir, ann_dir):
                clear(d, pattern)
                d.mkdir(parents=True, exist_ok=True)
            for i in track(range(1, n + 1), f'writing {folder} images'):
                image, instances = indexed_scene(seed, 0, 0 if tag == 'train' else 1, i,
                                                 (height, width), (3, 6))
                label = ade_label_map(instances, (height, width), ignore_border)
                save_jpeg(image, img_dir / f'ADE_{tag}_{i:08d}.jpg')
                Image.fromarray(label).save(ann_dir / f'ADE_{tag}_{i:08d}.png', format='PNG')
        return {}

    return dict(summary, **write_once(data_root, params, expected, overwrite=overwrite,
                                      write=write))
