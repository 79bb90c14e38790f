"""The object classes of the synthetic scenes and their geometry: outlines as polygons and
the one rasteriser every mask comes from (see the package doc)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw

#: Shape kinds :func:`shape_polygon` can draw.
SHAPE_KINDS = ('disk', 'ellipse', 'square', 'triangle', 'star', 'ring', 'cross', 'hexagon')
#: Texture kinds an object can carry.
TEXTURE_KINDS = ('flat', 'stripes', 'checker', 'dots', 'noise')


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


def dilate(mask: np.ndarray, radius: int) -> np.ndarray:
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
