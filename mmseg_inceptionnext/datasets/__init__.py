"""Generated datasets (numpy + Pillow only) for demos and tests without ADE20K or COCO.

See :mod:`mmseg_inceptionnext.datasets.synthetic`.
"""
from .synthetic import (
    ADE_BACKGROUND,
    ADE_BACKGROUND_COLOR,
    GENERATOR_VERSION,
    SHAPE_CLASSES,
    SHAPE_KINDS,
    TEXTURE_KINDS,
    Instance,
    ShapeClass,
    ade_label_map,
    make_ade20k_like,
    make_coco_like,
    polygon_to_mask,
    render_scene,
    shape_polygon,
)

__all__ = [
    'ADE_BACKGROUND', 'ADE_BACKGROUND_COLOR', 'GENERATOR_VERSION', 'SHAPE_CLASSES', 'SHAPE_KINDS',
    'TEXTURE_KINDS', 'Instance', 'ShapeClass', 'ade_label_map', 'make_ade20k_like',
    'make_coco_like', 'polygon_to_mask', 'render_scene', 'shape_polygon'
]
