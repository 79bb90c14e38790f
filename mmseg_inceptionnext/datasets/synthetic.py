"""Small, learnable synthetic scenes written in ADE20K's and COCO's own on-disk layouts.

Nobody can download ADE20K or COCO in the environments this project is tested in, so the
demos and tests train on generated data instead. This module holds (numpy + Pillow only):

* :data:`SHAPE_CLASSES`, a fixed table of six object classes. Each class has its own shape,
  its own hue and a texture, so shape, colour and texture together identify it:

  ========  ========  ===============  ========
  name      shape     base colour      texture
  ========  ========  ===============  ========
  disk      disk      red              flat
  square    square    blue             checker
  triangle  triangle  yellow           stripes
  star      star      green            dots
  ring      ring      magenta          noise
  cross     cross     cyan             stripes
  ========  ========  ===============  ========

* :func:`render_scene`, the scene generator both writers share. A scene is a background
  (a smooth two-colour gradient with low-amplitude blotches and pixel noise; sometimes a
  horizon splitting it into two regions, sometimes faint sinusoidal waves or grain -- never
  one of the class textures at full contrast) with objects 10-45 % of the image side in
  size (3-6 per ADE-like scene, 1-4 per COCO-like one) drawn in order, so later objects
  occlude earlier ones. Every object stays inside the image, and a placement that would leave
  an earlier object less than ``min_visible`` visible is re-drawn, so objects overlap but
  none disappears (one that finds no place is left out).
* :func:`polygon_to_mask`, the one rasteriser (Pillow's ``ImageDraw.polygon``) used for
  every mask, so that polygons and masks agree. Coordinates are continuous image
  coordinates with pixel ``(i, j)`` covering ``[i, i + 1) x [j, j + 1)``; Pillow fills every
  pixel the polygon touches, i.e. the mask is about half a pixel larger on each side than
  the exact area.
* :func:`make_ade20k_like`, which writes ``ADEChallengeData2016/{images,annotations}/
  {training,validation}`` with ADE20K's file names and label convention, and
  :func:`make_coco_like`, which writes ``{train,val}2017/*.jpg`` and
  ``annotations/instances_{train,val}2017.json``.

Labelling choices (ADE20K-like). MMSegmentation's ``ADE20KDataset`` uses
``reduce_zero_label=True``: label 0 is ignored and label ``k`` becomes class ``k - 1``. If the
background were 0 the model would never be taught (nor scored on) "background", so the
background is a class of its own: label 1 = ``'background'`` (class 0, the place of ADE's
``'wall'``), and the shapes are labels ``2 .. K + 1`` (classes ``1 .. K``), in the order of
:data:`SHAPE_CLASSES`. Every object edge carries a thin band of label 0 (ignore): each pixel
whose 4-neighbourhood holds another label -- one pixel on each side of the edge by default
(``ignore_border``). Like the uncertain boundaries of real annotations, this keeps pixels
that JPEG compression blends across an edge out of both the loss and the metric. (Where two
objects of one class overlap, their labels merge, as in any semantic map.)

COCO-like scenes have no overlap at all (objects are placed by rejection sampling with a
2-pixel gap), so each object's polygon is exactly the outline of its visible mask, bbox and
area are those of the rasterised polygon, and ``segmentation`` is that one polygon. The ring
is a "C" (an annulus with a 60 degree gap), so its outline is one simple polygon without a
hole and it is a valid COCO category like the others.

Generation is deterministic given the seed: image ``i`` of a split gets its own random
generator seeded from ``(seed, dataset, split, i)``, so it does not depend on how many
images are written. (Bytes are reproducible for a given numpy and Pillow; another Pillow
may encode the JPEGs differently.) Each writer records its parameters and
:data:`GENERATOR_VERSION` in ``synthetic_meta.json`` (in ``ADEChallengeData2016/``, or in the
COCO root) after the last file; a second call with the same parameters finds the dataset
complete and returns without rewriting anything. Otherwise the meta file and this
generator's own stale files (only names of its patterns) are removed before rewriting, so a
smaller dataset never keeps images of a bigger one.
"""
from __future__ import annotations

import json
import math
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw

__all__ = [
    'ShapeClass', 'Instance', 'SHAPE_CLASSES', 'SHAPE_KINDS', 'TEXTURE_KINDS',
    'ADE_BACKGROUND', 'ADE_BACKGROUND_COLOR', 'GENERATOR_VERSION', 'render_scene',
    'polygon_to_mask', 'shape_polygon', 'ade_label_map', 'make_ade20k_like', 'make_coco_like',
]

#: Bumped whenever the generated pixels change, so that old datasets are regenerated.
GENERATOR_VERSION = 1
#: Shape kinds :func:`shape_polygon` can draw.
SHAPE_KINDS = ('disk', 'ellipse', 'square', 'triangle', 'star', 'ring', 'cross', 'hexagon')
#: Texture kinds an object can carry.
TEXTURE_KINDS = ('flat', 'stripes', 'checker', 'dots', 'noise')
#: Name and palette colour of ADE-like label 1 (class 0), the background.
ADE_BACKGROUND = 'background'
ADE_BACKGROUND_COLOR = (120, 120, 120)

_META_NAME = 'synthetic_meta.json'


@dataclass(frozen=True)
class ShapeClass:
    """One object class of the synthetic scenes.

    Args:
        name: Class name as written into dataset metadata.
        shape: One of :data:`SHAPE_KINDS`.
        color: Base RGB colour; each instance jitters it moderately.
        texture: One of :data:`TEXTURE_KINDS`.
    """

    name: str
    shape: str
    color: tuple[int, int, int]
    texture: str

    def __post_init__(self) -> None:
        if self.shape not in SHAPE_KINDS:
            raise ValueError(f'unknown shape {self.shape!r}; expected one of {SHAPE_KINDS}')
        if self.texture not in TEXTURE_KINDS:
            raise ValueError(f'unknown texture {self.texture!r}; expected one of {TEXTURE_KINDS}')


#: The fixed class table: distinct shapes, six well-separated hues, and textures.
SHAPE_CLASSES: tuple[ShapeClass, ...] = (
    ShapeClass('disk', 'disk', (215, 40, 35), 'flat'),
    ShapeClass('square', 'square', (35, 75, 215), 'checker'),
    ShapeClass('triangle', 'triangle', (235, 200, 30), 'stripes'),
    ShapeClass('star', 'star', (35, 165, 55), 'dots'),
    ShapeClass('ring', 'ring', (205, 45, 195), 'noise'),
    ShapeClass('cross', 'cross', (30, 195, 205), 'stripes'),
)


@dataclass
class Instance:
    """One object of a rendered scene.

    Args:
        class_index: Index of the object's class in the ``classes`` passed to
            :func:`render_scene`.
        polygon: The object's full outline as ``(x, y)`` vertices in continuous image
            coordinates (rounded to 1/100 pixel; the masks are rasterised from exactly these).
        mask: Boolean ``H x W`` mask of the *visible* part, after later objects occluded it.
    """

    class_index: int
    polygon: list[tuple[float, float]]
    mask: np.ndarray

    @property
    def area(self) -> int:
        """Number of visible pixels."""
        return int(self.mask.sum())

    def bbox(self) -> list[int]:
        """Tight ``[x, y, w, h]`` box (in pixels) of the visible mask.

        Returns:
            The box; ``[0, 0, 0, 0]`` for an empty mask.
        """
        ys, xs = np.nonzero(self.mask)
        if xs.size == 0:
            return [0, 0, 0, 0]
        x0, y0 = int(xs.min()), int(ys.min())
        return [x0, y0, int(xs.max()) - x0 + 1, int(ys.max()) - y0 + 1]


# ----------------------------------------------------------------------------------------------
# Geometry
# ----------------------------------------------------------------------------------------------
def _circle_points(radius: float, start: float, stop: float, num: int,
                   endpoint: bool = False) -> np.ndarray:
    angles = np.linspace(start, stop, num, endpoint=endpoint)
    return np.stack([radius * np.cos(angles), radius * np.sin(angles)], axis=1)


def shape_polygon(shape: str, radius: float, angle: float = 0.0,
                  aspect: float = 0.55) -> np.ndarray:
    """Outline of a shape centred on the origin.

    Args:
        shape: One of :data:`SHAPE_KINDS`.
        radius: Radius of the shape's circumscribed circle, in pixels.
        angle: Rotation in radians.
        aspect: Minor / major axis ratio of an ellipse (ignored by other shapes).

    Returns:
        ``N x 2`` float array of ``(x, y)`` vertices of a simple polygon.
    """
    r = float(radius)
    if shape == 'disk':
        pts = _circle_points(r, 0, 2 * math.pi, 48)
    elif shape == 'ellipse':
        pts = _circle_points(r, 0, 2 * math.pi, 48) * np.array([1.0, aspect])
    elif shape in ('square', 'triangle', 'hexagon'):
        sides = {'square': 4, 'triangle': 3, 'hexagon': 6}[shape]
        pts = _circle_points(r, 0, 2 * math.pi, sides)
    elif shape == 'star':
        radii = np.where(np.arange(10) % 2 == 0, r, 0.45 * r)
        angles = np.arange(10) * math.pi / 5
        pts = np.stack([radii * np.cos(angles), radii * np.sin(angles)], axis=1)
    elif shape == 'ring':  # a "C": annulus with a 60 degree gap, one simple polygon
        gap = math.radians(30)
        outer = _circle_points(r, gap, 2 * math.pi - gap, 40, endpoint=True)
        inner = _circle_points(0.58 * r, 2 * math.pi - gap, gap, 28, endpoint=True)
        pts = np.concatenate([outer, inner])
    elif shape == 'cross':
        a = 0.32 * r
        pts = np.array([(a, r), (a, a), (r, a), (r, -a), (a, -a), (a, -r), (-a, -r), (-a, -a),
                        (-r, -a), (-r, a), (-a, a), (-a, r)], dtype=np.float64)
    else:
        raise ValueError(f'unknown shape {shape!r}; expected one of {SHAPE_KINDS}')
    c, s = math.cos(angle), math.sin(angle)
    return pts @ np.array([[c, s], [-s, c]])


def polygon_to_mask(polygon: Sequence[Sequence[float]], height: int, width: int) -> np.ndarray:
    """Rasterise one polygon with Pillow's ``ImageDraw.polygon``.

    Args:
        polygon: ``(x, y)`` vertices, or a flat COCO list ``[x0, y0, x1, y1, ...]``.
        height: Mask height.
        width: Mask width.

    Returns:
        Boolean ``height x width`` mask of every pixel the polygon touches.
    """
    flat = np.asarray(polygon, dtype=np.float64).reshape(-1, 2)
    img = Image.new('L', (int(width), int(height)), 0)
    ImageDraw.Draw(img).polygon([(float(x), float(y)) for x, y in flat], fill=1, outline=1)
    return np.asarray(img, dtype=np.uint8).astype(bool)


def _dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    """Binary dilation with a square ``(2 radius + 1)`` structuring element."""
    out = mask.copy()
    h, w = mask.shape
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            if dy == 0 and dx == 0:
                continue
            ys, yd = (slice(0, h - dy), slice(dy, h)) if dy >= 0 else (slice(-dy, h),
                                                                        slice(0, h + dy))
            xs, xd = (slice(0, w - dx), slice(dx, w)) if dx >= 0 else (slice(-dx, w),
                                                                        slice(0, w + dx))
            out[yd, xd] |= mask[ys, xs]
    return out


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
        occupied |= _dilate(mask, gap) if not allow_overlap else mask
    canvas += rng.normal(0.0, rng.uniform(2.0, 5.0), canvas.shape).astype(np.float32)
    image = np.clip(np.round(canvas), 0, 255).astype(np.uint8)
    return image, instances


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
            edge = _dilate(edge, ignore_border - 1)
        label[edge] = 0
    return label


# ----------------------------------------------------------------------------------------------
# Writers
# ----------------------------------------------------------------------------------------------
def _scene_rng(seed: int, dataset: int, split: int, index: int) -> np.random.Generator:
    return np.random.default_rng([int(seed), dataset, split, int(index)])


def _scene_classes(rng: np.random.Generator, index: int, num_classes: int,
                   num_objects: tuple[int, int]) -> list[int]:
    """Class ids of one scene; the first cycles through all classes so every class occurs."""
    count = int(rng.integers(num_objects[0], num_objects[1] + 1))
    return [index % num_classes] + [int(c) for c in rng.integers(0, num_classes, count - 1)]


def _check_args(num_train: int, num_val: int, size: Sequence[int] | int,
                seed: int) -> tuple[int, int]:
    if isinstance(size, int):
        size = (size, size)
    if len(size) != 2 or min(size) < 32:
        raise ValueError(f'size must be (height, width) with both >= 32, got {size}')
    if num_train < 0 or num_val < 0:
        raise ValueError('num_train and num_val must be >= 0')
    if int(seed) < 0:
        raise ValueError(f'seed must be >= 0, got {seed}')
    return int(size[0]), int(size[1])


def _as_json(obj: dict) -> dict:
    """``obj`` as it reads back from JSON (tuples become lists), for comparisons."""
    return json.loads(json.dumps(obj))


def _read_meta(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _clear(folder: Path, pattern: re.Pattern) -> None:
    """Remove this generator's files (only names matching ``pattern``) from ``folder``."""
    if folder.is_dir():
        for path in folder.iterdir():
            if path.is_file() and pattern.fullmatch(path.name):
                path.unlink()


def _save_jpeg(image: np.ndarray, path: Path) -> None:
    Image.fromarray(image).save(path, format='JPEG', quality=95)


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
    height, width = _check_args(num_train, num_val, size, seed)
    start = time.time()
    data_root = Path(root) / 'ADEChallengeData2016'
    meta = dict(generator='mmseg_inceptionnext.datasets.synthetic.make_ade20k_like',
                version=GENERATOR_VERSION, num_train=int(num_train), num_val=int(num_val),
                size=[height, width], seed=int(seed), ignore_border=int(ignore_border),
                shape_classes=[asdict(c) for c in SHAPE_CLASSES])
    meta = _as_json(meta)
    splits = [('training', 'train', int(num_train)), ('validation', 'val', int(num_val))]
    expected = [data_root / kind / folder / f'ADE_{tag}_{i:08d}.{ext}'
                for folder, tag, n in splits for i in range(1, n + 1)
                for kind, ext in (('images', 'jpg'), ('annotations', 'png'))]
    summary = dict(root=str(Path(root)), data_root=str(data_root), num_train=int(num_train),
                   num_val=int(num_val), size=[height, width], seed=int(seed),
                   classes=[ADE_BACKGROUND] + [c.name for c in SHAPE_CLASSES],
                   palette=[list(ADE_BACKGROUND_COLOR)] + [list(c.color) for c in SHAPE_CLASSES],
                   reduce_zero_label=True)
    meta_path = data_root / _META_NAME
    if (not overwrite and _read_meta(meta_path) == meta
            and all(p.is_file() for p in expected)):
        return dict(summary, reused=True, seconds=round(time.time() - start, 3))

    if meta_path.exists():
        meta_path.unlink()
    pattern = re.compile(r'ADE_(train|val)_\d{8}\.(jpg|png)')
    for folder, tag, n in splits:
        img_dir = data_root / 'images' / folder
        ann_dir = data_root / 'annotations' / folder
        for d in (img_dir, ann_dir):
            _clear(d, pattern)
            d.mkdir(parents=True, exist_ok=True)
        for i in range(1, n + 1):
            rng = _scene_rng(seed, 0, 0 if tag == 'train' else 1, i)
            ids = _scene_classes(rng, i - 1, len(SHAPE_CLASSES), (3, 6))
            image, instances = render_scene(rng, (height, width), SHAPE_CLASSES, class_ids=ids)
            label = ade_label_map(instances, (height, width), ignore_border)
            _save_jpeg(image, img_dir / f'ADE_{tag}_{i:08d}.jpg')
            Image.fromarray(label).save(ann_dir / f'ADE_{tag}_{i:08d}.png', format='PNG')
    meta_path.write_text(json.dumps(meta, indent=2) + '\n')
    return dict(summary, reused=False, seconds=round(time.time() - start, 3))


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
    height, width = _check_args(num_train, num_val, size, seed)
    start = time.time()
    root = Path(root)
    meta = dict(generator='mmseg_inceptionnext.datasets.synthetic.make_coco_like',
                version=GENERATOR_VERSION, num_train=int(num_train), num_val=int(num_val),
                size=[height, width], seed=int(seed),
                shape_classes=[asdict(c) for c in SHAPE_CLASSES])
    meta = _as_json(meta)
    splits = [('train2017', int(num_train)), ('val2017', int(num_val))]
    expected = [root / split / f'{i:012d}.jpg' for split, n in splits for i in range(1, n + 1)]
    expected += [root / 'annotations' / f'instances_{split}.json' for split, _ in splits]
    summary = dict(root=str(root), num_train=int(num_train), num_val=int(num_val),
                   size=[height, width], seed=int(seed),
                   classes=[c.name for c in SHAPE_CLASSES],
                   palette=[list(c.color) for c in SHAPE_CLASSES],
                   train_ann_file='annotations/instances_train2017.json',
                   val_ann_file='annotations/instances_val2017.json')
    meta_path = root / _META_NAME
    old = _read_meta(meta_path)
    if (not overwrite and old is not None and old.get('params') == meta
            and all(p.is_file() for p in expected)):
        return dict(summary, num_train_instances=old['num_train_instances'],
                    num_val_instances=old['num_val_instances'], reused=True,
                    seconds=round(time.time() - start, 3))

    if meta_path.exists():
        meta_path.unlink()
    categories = [dict(id=k + 1, name=c.name, supercategory='shape')
                  for k, c in enumerate(SHAPE_CLASSES)]
    counts = {}
    pattern = re.compile(r'\d{12}\.jpg')
    (root / 'annotations').mkdir(parents=True, exist_ok=True)
    for split_index, (split, n) in enumerate(splits):
        img_dir = root / split
        _clear(img_dir, pattern)
        img_dir.mkdir(parents=True, exist_ok=True)
        images, annotations = [], []
        for i in range(1, n + 1):
            rng = _scene_rng(seed, 1, split_index, i)
            ids = _scene_classes(rng, i - 1, len(SHAPE_CLASSES), (1, 4))
            image, instances = render_scene(rng, (height, width), SHAPE_CLASSES, class_ids=ids,
                                            allow_overlap=False)
            file_name = f'{i:012d}.jpg'
            _save_jpeg(image, img_dir / file_name)
            images.append(dict(id=i, file_name=file_name, height=height, width=width))
            for inst in instances:
                annotations.append(dict(
                    id=len(annotations) + 1, image_id=i, category_id=inst.class_index + 1,
                    bbox=inst.bbox(), area=inst.area, iscrowd=0,
                    segmentation=[[v for xy in inst.polygon for v in xy]]))
        coco = dict(info=dict(description='synthetic COCO-like shapes '
                              '(mmseg_inceptionnext.datasets.synthetic)',
                              version=str(GENERATOR_VERSION), year=2017),
                    licenses=[], images=images, annotations=annotations, categories=categories)
        (root / 'annotations' / f'instances_{split}.json').write_text(json.dumps(coco))
        counts[split] = len(annotations)
    meta_path.write_text(json.dumps(dict(params=meta, num_train_instances=counts['train2017'],
                                         num_val_instances=counts['val2017']), indent=2) + '\n')
    return dict(summary, num_train_instances=counts['train2017'],
                num_val_instances=counts['val2017'], reused=False,
                seconds=round(time.time() - start, 3))
