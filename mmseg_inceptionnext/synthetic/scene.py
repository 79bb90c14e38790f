"""Appearance and scenes: backgrounds, textures, placement without losing objects, the scene
of each image of a written dataset, and the ADE20K-style label map of a scene (see the
package doc)."""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from .shapes import SHAPE_CLASSES, Instance, ShapeClass, dilate, polygon_to_mask, shape_polygon


# ----------------------------------------------------------------------------------------------
# Appearance
# ----------------------------------------------------------------------------------------------
def _smooth_noise(rng: np.random.Generator, height: int, width: int, cell: float,
                  channels: int = 1) -> np.ndarray:
    """Value noise in [-1, 1]: random values on a grid of ``cell`` pixels, smoothly interpolated.

    Returns:
        ``height x width x channels`` float32 array.
    """
    cell = max(float(cell), 1.0)
    gh, gw = int(height / cell) + 3, int(width / cell) + 3
    grid = rng.uniform(-1.0, 1.0, (gh, gw, channels)).astype(np.float32)
    ys = np.arange(height) / cell + rng.uniform(0, 1)
    xs = np.arange(width) / cell + rng.uniform(0, 1)
    y0, x0 = ys.astype(int), xs.astype(int)
    fy, fx = ys - y0, xs - x0
    fy = (fy * fy * (3 - 2 * fy)).astype(np.float32)[:, None, None]
    fx = (fx * fx * (3 - 2 * fx)).astype(np.float32)[None, :, None]
    top = grid[y0][:, x0] * (1 - fx) + grid[y0][:, x0 + 1] * fx
    bottom = grid[y0 + 1][:, x0] * (1 - fx) + grid[y0 + 1][:, x0 + 1] * fx
    return top * (1 - fy) + bottom * fy


def _desaturated_colour(rng: np.random.Generator, low: float = 35, high: float = 225,
                        saturation: tuple[float, float] = (0.1, 0.5)) -> np.ndarray:
    base = rng.uniform(low, high, 3)
    grey = base.mean()
    return grey + (base - grey) * rng.uniform(*saturation)


def _background(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Random smooth background (float32 ``H x W x 3``, 0..255)."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    theta = rng.uniform(0, 2 * math.pi)
    proj = xx * math.cos(theta) + yy * math.sin(theta)
    t = ((proj - proj.min()) / max(float(np.ptp(proj)), 1.0))[..., None]
    c0, c1 = _desaturated_colour(rng), _desaturated_colour(rng)
    img = c0 * (1 - t) + c1 * t
    side = min(height, width)
    if rng.random() < 0.3:  # a horizon: two regions with a soft, slightly tilted border
        y_h = height * rng.uniform(0.3, 0.8) + (xx - width / 2) * math.tan(rng.uniform(-0.2, 0.2))
        soft = rng.uniform(1.0, 4.0)
        w_low = 1.0 / (1.0 + np.exp(-np.clip((yy - y_h) / soft, -30, 30)))
        img = img * (1 - w_low[..., None]) + _desaturated_colour(rng) * w_low[..., None]
    img = img + _smooth_noise(rng, height, width, side / rng.uniform(2, 5), 3) * rng.uniform(5, 18)
    pattern = rng.random()
    if pattern < 0.2:  # faint sinusoidal waves
        phi = rng.uniform(0, 2 * math.pi)
        period = side * rng.uniform(0.08, 0.25)
        wave = np.sin((xx * math.cos(phi) + yy * math.sin(phi)) * 2 * math.pi / period)
        img = img + (wave * rng.uniform(4, 10))[..., None]
    elif pattern < 0.35:  # faint grain
        img = img + _smooth_noise(rng, height, width, rng.uniform(1.5, 3), 1) * rng.uniform(4, 9)
    return img.astype(np.float32)


def _texture_factor(rng: np.random.Generator, texture: str, ys: np.ndarray, xs: np.ndarray,
                    scale: float) -> np.ndarray:
    """Multiplicative brightness pattern of a texture on the pixel grid ``ys x xs``."""
    phi = rng.uniform(0, math.pi)
    u = xs[None, :] * math.cos(phi) + ys[:, None] * math.sin(phi)
    v = -xs[None, :] * math.sin(phi) + ys[:, None] * math.cos(phi)
    if texture == 'flat':
        return np.ones_like(u, dtype=np.float32)
    if texture == 'stripes':
        period = max(4.0, rng.uniform(7, 10) * scale)
        dark = ((u / period + rng.uniform(0, 1)) % 1.0) < 0.5
        return np.where(dark, 0.45, 1.0).astype(np.float32)
    if texture == 'checker':
        cell = max(2.5, rng.uniform(4, 6) * scale)
        dark = (np.floor(u / cell + rng.uniform(0, 1)) + np.floor(v / cell + rng.uniform(0, 1)))
        return np.where(dark % 2 == 1, 0.45, 1.0).astype(np.float32)
    if texture == 'dots':
        period = max(4.0, rng.uniform(6, 8) * scale)
        fu = (u / period + rng.uniform(0, 1)) % 1.0 - 0.5
        fv = (v / period + rng.uniform(0, 1)) % 1.0 - 0.5
        return np.where(fu * fu + fv * fv < 0.32 ** 2, 0.35, 1.0).astype(np.float32)
    if texture == 'noise':
        noise = _smooth_noise(rng, len(ys), len(xs), max(1.5, 2.5 * scale))[..., 0]
        return (1.0 + 0.4 * noise).astype(np.float32)
    raise ValueError(f'unknown texture {texture!r}')


def _paint(rng: np.random.Generator, canvas: np.ndarray, mask: np.ndarray, cls: ShapeClass,
           scale: float) -> None:
    """Paint one textured, gently shaded object into ``canvas`` where ``mask`` is set."""
    ys, xs = np.nonzero(mask)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    colour = (np.asarray(cls.color, np.float32) + rng.uniform(-18, 18, 3)) * rng.uniform(0.88,
                                                                                          1.12)
    gy = np.arange(y0, y1, dtype=np.float32)
    gx = np.arange(x0, x1, dtype=np.float32)
    factor = _texture_factor(rng, cls.texture, gy, gx, scale)
    theta = rng.uniform(0, 2 * math.pi)
    ramp = (gx[None, :] - gx.mean()) * math.cos(theta) + (gy[:, None] - gy.mean()) * math.sin(
        theta)
    factor = factor * (1.0 + 0.08 * ramp / max(float(np.abs(ramp).max()), 1.0))
    patch = np.clip(colour[None, None, :] * factor[..., None], 0, 255)
    region = mask[y0:y1, x0:x1]
    canvas[y0:y1, x0:x1][region] = patch[region]


# ----------------------------------------------------------------------------------------------
# Scenes
# ----------------------------------------------------------------------------------------------
def _place(rng: np.random.Generator, cls: ShapeClass, height: int, width: int,
           scale_range: tuple[float, float], shrink: float) -> np.ndarray:
    """A random outline of ``cls`` lying inside the image, as rounded vertices."""
    side = min(height, width)
    small, large = scale_range  # sqrt: sizes lean to the large end (uniform in area, roughly)
    radius = 0.5 * side * (small + (large - small) * math.sqrt(rng.uniform(0, 1))) * shrink
    poly = shape_polygon(cls.shape, radius, rng.uniform(0, 2 * math.pi),
                         aspect=rng.uniform(0.45, 0.65))
    lo, hi = poly.min(axis=0), poly.max(axis=0)
    cx = rng.uniform(-lo[0], max(width - hi[0], -lo[0] + 1e-6))
    cy = rng.uniform(-lo[1], max(height - hi[1], -lo[1] + 1e-6))
    poly = poly + np.array([cx, cy])
    poly[:, 0] = np.clip(poly[:, 0], 0, width)
    poly[:, 1] = np.clip(poly[:, 1], 0, height)
    return np.round(poly, 2)


def render_scene(rng: np.random.Generator, size: tuple[int, int],
                 classes: Sequence[ShapeClass] = SHAPE_CLASSES, *,
                 class_ids: Sequence[int] | None = None, num_objects: tuple[int, int] = (3, 6),
                 scale_range: tuple[float, float] = (0.10, 0.45), allow_overlap: bool = True,
                 min_visible: float = 0.55, gap: int = 2,
                 max_tries: int = 40) -> tuple[np.ndarray, list[Instance]]:
    """Render one scene: a random background with textured objects drawn in order.

    Args:
        rng: Source of randomness; the scene is a pure function of its state.
        size: ``(height, width)`` of the image.
        classes: Class table the objects are drawn from.
        class_ids: Classes of the objects to place, in drawing order; by default a random
            number (``num_objects``, inclusive) of random classes.
        num_objects: Inclusive range of the number of objects when ``class_ids`` is None.
        scale_range: Range of an object's size (diameter of its circumscribed circle) as a
            fraction of the image's shorter side.
        allow_overlap: If True, later objects may occlude earlier ones, as long as every
            earlier object keeps at least ``min_visible`` of its pixels. If False, the masks
            of any two objects stay at least ``gap`` pixels apart.
        min_visible: Smallest visible fraction of an occluded object.
        gap: Smallest distance in pixels between objects when ``allow_overlap`` is False.
        max_tries: Placements tried per object (shrinking it after half of them) before the
            object is left out.

    Returns:
        ``(image, instances)``: the ``H x W x 3`` uint8 image and one :class:`Instance` per
        placed object, in drawing order, each with its visible mask. The first object is
        always placed (on an empty canvas it cannot conflict).
    """
    height, width = int(size[0]), int(size[1])
    if class_ids is None:
        count = int(rng.integers(num_objects[0], num_objects[1] + 1))
        class_ids = [int(c) for c in rng.integers(0, len(classes), count)]
    canvas = _background(rng, height, width)
    scale = min(height, width) / 256.0
    instances: list[Instance] = []
    full_areas: list[int] = []
    occupied = np.zeros((height, width), dtype=bool)
    for cid in class_ids:
        cls = classes[cid]
        for attempt in range(max_tries):
            shrink = 1.0 if attempt < max_tries // 2 else 0.8
            poly = _place(rng, cls, height, width, scale_range, shrink)
            mask = polygon_to_mask(poly, height, width)
            if not instances:
                break
            if not allow_overlap:
                if not (mask & occupied).any():
                    break
                continue
            if all((inst.mask & ~mask).sum() >= min_visible * area
                   for inst, area in zip(instances, full_areas)):
                break
        else:
            continue
        _paint(rng, canvas, mask, cls, scale)
        for inst in instances:
            inst.mask &= ~mask
        instances.append(Instance(int(cid), [(float(x), float(y)) for x, y in poly], mask))
        full_areas.append(int(mask.sum()))
        occupied |= dilate(mask, gap) if not allow_overlap else mask
    canvas += rng.normal(0.0, rng.uniform(2.0, 5.0), canvas.shape).astype(np.float32)
    image = np.clip(np.round(canvas), 0, 255).astype(np.uint8)
    return image, instances


def scene_rng(seed: int, dataset: int, split: int, index: int) -> np.random.Generator:
    """The generator of one image: a function of its place only, not of how many are written."""
    return np.random.default_rng([int(seed), dataset, split, int(index)])


def scene_classes(rng: np.random.Generator, index: int, num_classes: int,
                  num_objects: tuple[int, int]) -> list[int]:
    """Class ids of one scene; the first cycles through all classes so every class occurs."""
    count = int(rng.integers(num_objects[0], num_objects[1] + 1))
    return [index % num_classes] + [int(c) for c in rng.integers(0, num_classes, count - 1)]


def indexed_scene(seed: int, dataset: int, split: int, index: int, size: tuple[int, int],
                  num_objects: tuple[int, int], **render_kw) -> tuple[np.ndarray, list[Instance]]:
    """Scene ``index`` (from 1) of a split of a written dataset: its own generator
    (:func:`scene_rng`), ``num_objects`` (inclusive) objects of :data:`SHAPE_CLASSES` of which
    the first cycles through the classes, then :func:`render_scene` (``render_kw``)."""
    rng = scene_rng(seed, dataset, split, index)
    ids = scene_classes(rng, index - 1, len(SHAPE_CLASSES), num_objects)
    return render_scene(rng, size, SHAPE_CLASSES, class_ids=ids, **render_kw)


def ade_label_map(instances: Sequence[Instance], size: tuple[int, int],
                  ignore_border: int = 1) -> np.ndarray:
    """ADE20K-style label map of a scene (see the module docstring for the convention).

    Args:
        instances: Instances from :func:`render_scene`, with visible masks.
        size: ``(height, width)``.
        ignore_border: Width in pixels, on each side of every edge between two labels, of the
            band set to 0 (ignore). 0 disables it.

    Returns:
        ``H x W`` uint8 map: 0 ignore, 1 background, ``class_index + 2`` for objects.
    """
    label = np.ones((int(size[0]), int(size[1])), dtype=np.uint8)
    for inst in instances:
        label[inst.mask] = inst.class_index + 2
    if ignore_border > 0:
        edge = np.zeros(label.shape, dtype=bool)
        vert = label[1:, :] != label[:-1, :]
        horz = label[:, 1:] != label[:, :-1]
        edge[1:, :] |= vert
        edge[:-1, :] |= vert
        edge[:, 1:] |= horz
        edge[:, :-1] |= horz
        if ignore_border > 1:
            edge = dilate(edge, ignore_border - 1)
        label[edge] = 0
    return label
