"""Small, learnable synthetic scenes written in ADE20K's and COCO's own on-disk layouts.

Nobody can download ADE20K or COCO in the environments this project is tested in, so the
demos and tests train on generated data instead. This package holds (numpy + Pillow only):

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

Modules: :mod:`.shapes` (classes and geometry), :mod:`.scene` (appearance, scenes and the
seeded scene of each image), :mod:`.ade20k` and :mod:`.coco` (the writers), :mod:`.files`
(what the writers share: parameters, argument checks and the one "write once" check).

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
from .ade20k import ADE_BACKGROUND, ADE_BACKGROUND_COLOR, make_ade20k_like
from .coco import make_coco_like
from .files import GENERATOR_VERSION
from .scene import ade_label_map, render_scene
from .shapes import (
    SHAPE_CLASSES,
    SHAPE_KINDS,
    TEXTURE_KINDS,
    Instance,
    ShapeClass,
    polygon_to_mask,
    shape_polygon,
)

__all__ = [
    'ADE_BACKGROUND', 'ADE_BACKGROUND_COLOR', 'GENERATOR_VERSION', 'SHAPE_CLASSES', 'SHAPE_KINDS',
    'TEXTURE_KINDS', 'Instance', 'ShapeClass', 'ade_label_map', 'make_ade20k_like',
    'make_coco_like', 'polygon_to_mask', 'render_scene', 'shape_polygon'
]
