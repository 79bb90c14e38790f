"""The COCO-like writer: ``{train,val}2017/*.jpg`` and ``annotations/instances_*.json`` in
COCO's format, objects without overlap (see the package doc)."""
from __future__ import annotations

import json
import re
from pathlib import Path

from ..progress import track
from .files import GENERATOR_VERSION, clear, save_jpeg, write_once, writer_params
from .scene import indexed_scene
from .shapes import SHAPE_CLASSES


def make_coco_like(root: str | Path, *, num_train: int = 400, num_val: int = 60,
                   size: tuple[int, int] | int = (256, 256), seed: int = 0,
                   overwrite: bool = False) -> dict:
    """Write a COCO-like instance dataset (COCO's layout and annotation format).

    Files: ``root/{train,val}2017/%012d.jpg`` (JPEG quality 95) and
    ``root/annotations/instances_{train,val}2017.json`` with ``images``, ``annotations``
    (``id``, ``image_id``, ``category_id``, ``bbox`` ``[x, y, w, h]`` of the mask, ``area`` =
    mask pixel count, ``iscrowd`` 0, ``segmentation`` = ``[polygon]``) and ``categories``
    (ids ``1 .. K`` in the order of :data:`SHAPE_CLASSES`). Objects never overlap, so each
    mask is exactly the rasterised polygon; every image has at least one object.

    Args:
        root: Dataset folder.
        num_train: Number of training images.
        num_val: Number of validation images.
        size: ``(height, width)`` of every image, or one int for square images.
        seed: Seed of the whole dataset.
        overwrite: Regenerate even if a complete dataset with these parameters exists.

    Returns:
        Summary: ``root``, ``num_train``, ``num_val``, ``size``, ``seed``, ``classes``,
        ``palette``, ``train_ann_file``, ``val_ann_file`` (relative to ``root``),
        ``num_train_instances``, ``num_val_instances``, ``reused`` and ``seconds``.
    """
    params = writer_params('make_coco_like', num_train=num_train, num_val=num_val, size=size,
                           seed=seed)
    height, width = params['size']
    root = Path(root)
    splits = [('train2017', int(num_train)), ('val2017', int(num_val))]
    expected = [root / split / f'{i:012d}.jpg' for split, n in splits for i in range(1, n + 1)]
    expected += [root / 'annotations' / f'instances_{split}.json' for split, _ in splits]
    summary = dict(root=str(root), num_train=int(num_train), num_val=int(num_val),
                   size=[height, width], seed=int(seed),
                   classes=[c.name for c in SHAPE_CLASSES],
                   palette=[list(c.color) for c in SHAPE_CLASSES],
                   train_ann_file='annotations/instances_train2017.json',
                   val_ann_file='annotations/instances_val2017.json')

    def write() -> dict:
        categories = [dict(id=k + 1, name=c.name, supercategory='shape')
                      for k, c in enumerate(SHAPE_CLASSES)]
        counts = {}
        pattern = re.compile(r'\d{12}\.jpg')
        (root / 'annotations').mkdir(parents=True, exist_ok=True)
        for split_index, (split, n) in enumerate(splits):
            img_dir = root / split
            clear(img_dir, pattern)
            img_dir.mkdir(parents=True, exist_ok=True)
            images, annotations = [], []
            for i in track(range(1, n + 1), f'writing {split} images'):
                image, instances = indexed_scene(seed, 1, split_index, i, (height, width), (1, 4),
                                                 allow_overlap=False)
                file_name = f'{i:012d}.jpg'
                save_jpeg(image, img_dir / file_name)
                images.append(dict(id=i, file_name=file_name, height=height, width=width))
                for inst in instances:
                    annotations.append(dict(
                        id=len(annotations) + 1, image_id=i, category_id=inst.class_index + 1,
                        bbox=inst.bbox(), area=inst.area, iscrowd=0,
                        segmentation=[[v for xy in inst.polygon for v in xy]]))
            coco = dict(info=dict(description='synthetic COCO-like shapes '
                                  '(mmseg_inceptionnext.synthetic)',
                                  version=str(GENERATOR_VERSION), year=2017),
                        licenses=[], images=images, annotations=annotations,
                        categories=categories)
            (root / 'annotations' / f'instances_{split}.json').write_text(json.dumps(coco))
            counts[split] = len(annotations)
        return dict(num_train_instances=counts['train2017'],
                    num_val_instances=counts['val2017'])

    return dict(summary, **write_once(root, params, expected, overwrite=overwrite, write=write))
