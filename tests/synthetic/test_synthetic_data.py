"""Synthetic ADE20K-like and COCO-like datasets: layout, labels, geometry, determinism, reuse."""
import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mmseg_inceptionnext.synthetic import (
    SHAPE_CLASSES,
    SHAPE_KINDS,
    ade_label_map,
    make_ade20k_like,
    make_coco_like,
    polygon_to_mask,
    render_scene,
    shape_polygon,
)

SIZE = (96, 112)  # (height, width); not square, so that a swapped axis shows
K = len(SHAPE_CLASSES)
OLD = 1_000_000_000  # an mtime (2001) that no rewrite can produce


@pytest.fixture(scope='module')
def ade(tmp_path_factory):
    root = tmp_path_factory.mktemp('ade')
    return root, make_ade20k_like(root, num_train=8, num_val=3, size=SIZE, seed=3)


@pytest.fixture(scope='module')
def coco(tmp_path_factory):
    root = tmp_path_factory.mktemp('coco')
    summary = make_coco_like(root, num_train=10, num_val=3, size=SIZE, seed=5)
    anns = {split: json.loads((root / f'annotations/instances_{split}.json').read_text())
            for split in ('train2017', 'val2017')}
    return root, summary, anns


def _labels(root, split):
    folder = root / 'ADEChallengeData2016' / 'annotations' / split
    return [np.asarray(Image.open(p)) for p in sorted(folder.glob('*.png'))]


def _nearest_class(rgb):
    """Index of the class colour with the most similar direction (textures only darken)."""
    colours = np.array([c.color for c in SHAPE_CLASSES], dtype=np.float64)
    colours /= np.linalg.norm(colours, axis=1, keepdims=True)
    return int(np.argmax(colours @ (rgb / np.linalg.norm(rgb))))


def _dilate2(mask):
    """Pixels within Chebyshev distance 2 of ``mask``."""
    h, w = mask.shape
    padded = np.pad(mask, 2)
    return np.any([padded[dy:dy + h, dx:dx + w] for dy in range(5) for dx in range(5)], axis=0)


def _files(folder):
    return sorted(p for p in Path(folder).rglob('*') if p.is_file())


def _age(folder):
    """Set every file's mtime far into the past; a rewrite would make it recent again."""
    for path in _files(folder):
        os.utime(path, (OLD, OLD))


# ----------------------------------------------------------------------------------------------
# ADE20K-like
# ----------------------------------------------------------------------------------------------
def test_ade_layout_and_summary(ade):
    root, summary = ade
    data = root / 'ADEChallengeData2016'
    for split, tag, n in (('training', 'train', 8), ('validation', 'val', 3)):
        images = sorted(p.name for p in (data / 'images' / split).iterdir())
        labels = sorted(p.name for p in (data / 'annotations' / split).iterdir())
        assert images == [f'ADE_{tag}_{i:08d}.jpg' for i in range(1, n + 1)]
        assert labels == [f'ADE_{tag}_{i:08d}.png' for i in range(1, n + 1)]
        for name in images:
            with Image.open(data / 'images' / split / name) as img:
                assert (img.format, img.mode, img.size) == ('JPEG', 'RGB', SIZE[::-1])
            with Image.open(data / 'annotations' / split / (name[:-4] + '.png')) as ann:
                assert (ann.format, ann.mode, ann.size) == ('PNG', 'L', SIZE[::-1])
    assert (data / 'synthetic_meta.json').is_file()
    assert summary['classes'] == ['background'] + [c.name for c in SHAPE_CLASSES]
    assert len(summary['palette']) == K + 1
    assert (summary['num_train'], summary['num_val'], summary['size']) == (8, 3, list(SIZE))
    assert summary['reduce_zero_label'] is True and summary['reused'] is False


def test_ade_labels_in_documented_range(ade):
    root, _ = ade
    for label in _labels(root, 'training') + _labels(root, 'validation'):
        values = set(np.unique(label).tolist())
        assert values <= set(range(K + 2)), values
        assert 1 in values and len(values - {0, 1}) >= 1  # background and some object
        ignored = (label == 0).mean()
        assert 0 < ignored < 0.2


def test_ade_every_class_in_train(ade):
    root, _ = ade
    present = set().union(*(np.unique(label).tolist() for label in _labels(root, 'training')))
    assert set(range(1, K + 2)) <= present


def test_ade_ignore_band_separates_labels(ade, tmp_path):
    root, _ = ade
    for label in _labels(root, 'training'):
        for a, b in ((label[1:], label[:-1]), (label[:, 1:], label[:, :-1])):
            assert not ((a != b) & (a > 0) & (b > 0)).any()  # two labels never touch directly
    make_ade20k_like(tmp_path, num_train=2, num_val=1, size=SIZE, ignore_border=0)
    assert all((label > 0).all() for label in _labels(tmp_path, 'training'))


def test_ade_labels_match_image_colours(ade):
    root, _ = ade
    data = root / 'ADEChallengeData2016'
    checked = 0
    for i in range(1, 9):
        image = np.asarray(Image.open(data / f'images/training/ADE_train_{i:08d}.jpg'), float)
        label = np.asarray(Image.open(data / f'annotations/training/ADE_train_{i:08d}.png'))
        for value in set(np.unique(label).tolist()) - {0, 1}:
            assert _nearest_class(image[label == value].mean(axis=0)) == value - 2
            checked += 1
    assert checked >= K


def test_ade_deterministic(tmp_path):
    def annotation(root, name='ADE_train_00000002'):
        data = root / 'ADEChallengeData2016'
        return ((data / f'annotations/training/{name}.png').read_bytes(),
                (data / f'images/training/{name}.jpg').read_bytes())

    args = dict(num_val=1, size=(64, 64))
    make_ade20k_like(tmp_path / 'a', num_train=2, seed=7, **args)
    make_ade20k_like(tmp_path / 'b', num_train=2, seed=7, **args)
    make_ade20k_like(tmp_path / 'c', num_train=2, seed=8, **args)
    make_ade20k_like(tmp_path / 'd', num_train=3, seed=7, **args)
    assert annotation(tmp_path / 'a') == annotation(tmp_path / 'b')
    assert annotation(tmp_path / 'a') == annotation(tmp_path / 'd')  # independent of the count
    assert annotation(tmp_path / 'a')[0] != annotation(tmp_path / 'c')[0]
    assert annotation(tmp_path / 'a')[1] != annotation(tmp_path / 'c')[1]


def test_ade_idempotent_and_regenerates_on_change(tmp_path):
    args = dict(num_val=1, size=(64, 64), seed=1)
    assert make_ade20k_like(tmp_path, num_train=3, **args)['reused'] is False
    data = tmp_path / 'ADEChallengeData2016'
    _age(data)
    assert make_ade20k_like(tmp_path, num_train=3, **args)['reused'] is True
    assert all(p.stat().st_mtime == OLD for p in _files(data))

    (data / 'images/training/notes.txt').write_text('not ours')
    assert make_ade20k_like(tmp_path, num_train=2, **args)['reused'] is False
    names = sorted(p.name for p in (data / 'images/training').iterdir())
    assert names == ['ADE_train_00000001.jpg', 'ADE_train_00000002.jpg', 'notes.txt']
    assert not (data / 'annotations/training/ADE_train_00000003.png').exists()

    (data / 'annotations/validation/ADE_val_00000001.png').unlink()  # incomplete: rewrite
    assert make_ade20k_like(tmp_path, num_train=2, **args)['reused'] is False
    assert (data / 'annotations/validation/ADE_val_00000001.png').is_file()
    _age(data)
    assert make_ade20k_like(tmp_path, num_train=2, overwrite=True, **args)['reused'] is False
    assert (data / 'images/training/ADE_train_00000001.jpg').stat().st_mtime != OLD


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match='size'):
        make_ade20k_like(tmp_path, size=(16, 16))
    with pytest.raises(ValueError, match='seed'):
        make_coco_like(tmp_path, seed=-1)
    (tmp_path / 'a_file').write_text('')
    with pytest.raises(NotADirectoryError, match=r"'.*a_file' is a file, so the dataset cannot"):
        make_ade20k_like(tmp_path / 'a_file', num_train=1, num_val=1, size=32)


# ----------------------------------------------------------------------------------------------
# COCO-like
# ----------------------------------------------------------------------------------------------
def test_coco_layout(coco):
    root, summary, anns = coco
    assert (root / 'synthetic_meta.json').is_file()
    for split, n in (('train2017', 10), ('val2017', 3)):
        names = sorted(p.name for p in (root / split).iterdir())
        assert names == [f'{i:012d}.jpg' for i in range(1, n + 1)]
        data = anns[split]
        assert {'images', 'annotations', 'categories'} <= set(data)
        assert [img['file_name'] for img in data['images']] == names
        for img in data['images']:
            with Image.open(root / split / img['file_name']) as im:
                assert im.size == (img['width'], img['height']) == SIZE[::-1]
        assert data['categories'] == [dict(id=k + 1, name=c.name, supercategory='shape')
                                      for k, c in enumerate(SHAPE_CLASSES)]
    assert summary['num_train_instances'] == len(anns['train2017']['annotations'])
    assert summary['num_val_instances'] == len(anns['val2017']['annotations'])
    assert summary['classes'] == [c.name for c in SHAPE_CLASSES]


@pytest.mark.parametrize('split', ['train2017', 'val2017'])
def test_coco_annotations_consistent(coco, split):
    root, _, anns = coco
    data = anns[split]
    images = {img['id']: img for img in data['images']}
    ids = [ann['id'] for ann in data['annotations']]
    assert len(set(ids)) == len(ids)
    masks = {image_id: [] for image_id in images}
    for ann in data['annotations']:
        img = images[ann['image_id']]
        h, w = img['height'], img['width']
        assert 1 <= ann['category_id'] <= K and ann['iscrowd'] == 0
        (poly,) = ann['segmentation']
        assert len(poly) % 2 == 0 and len(poly) >= 6
        xy = np.asarray(poly).reshape(-1, 2)
        assert xy.min() >= 0 and (xy[:, 0] <= w).all() and (xy[:, 1] <= h).all()
        mask = polygon_to_mask(poly, h, w)
        assert ann['area'] == int(mask.sum()) > 0
        ys, xs = np.nonzero(mask)
        x, y, bw, bh = ann['bbox']
        assert x <= xs.min() and y <= ys.min()  # the box holds every mask pixel ...
        assert xs.max() < x + bw and ys.max() < y + bh
        assert xs.min() - x <= 1 and ys.min() - y <= 1  # ... and is tight within 1 px
        assert x + bw - 1 - xs.max() <= 1 and y + bh - 1 - ys.max() <= 1
        assert np.abs(xy.min(axis=0) - [x, y]).max() <= 1  # the polygon spans the box
        assert np.abs(xy.max(axis=0) - [x + bw, y + bh]).max() <= 1
        masks[ann['image_id']].append(mask)
    for image_id, image_masks in masks.items():
        assert image_masks, f'image {image_id} has no object'
        assert np.sum(image_masks, axis=0).max() == 1  # no two instances overlap


def test_coco_every_category_in_train_and_colours_match(coco):
    root, _, anns = coco
    data = anns['train2017']
    assert {ann['category_id'] for ann in data['annotations']} == set(range(1, K + 1))
    files = {img['id']: img['file_name'] for img in data['images']}
    for ann in data['annotations']:
        image = np.asarray(Image.open(root / 'train2017' / files[ann['image_id']]), float)
        mask = polygon_to_mask(ann['segmentation'][0], *image.shape[:2])
        assert _nearest_class(image[mask].mean(axis=0)) == ann['category_id'] - 1


@pytest.mark.parametrize('seed', [0, 1])
def test_every_class_with_as_few_images_as_classes(tmp_path, seed):
    args = dict(num_train=K, num_val=0, size=(64, 64), seed=seed)
    make_ade20k_like(tmp_path, **args)
    present = set().union(*(np.unique(label).tolist() for label in _labels(tmp_path, 'training')))
    assert set(range(1, K + 2)) <= present
    make_coco_like(tmp_path, **args)
    data = json.loads((tmp_path / 'annotations/instances_train2017.json').read_text())
    assert {ann['category_id'] for ann in data['annotations']} == set(range(1, K + 1))


def test_coco_deterministic_and_idempotent(tmp_path):
    args = dict(num_train=2, num_val=1, size=(64, 64))
    make_coco_like(tmp_path / 'a', seed=4, **args)
    make_coco_like(tmp_path / 'b', seed=4, **args)
    make_coco_like(tmp_path / 'c', seed=9, **args)
    ann = 'annotations/instances_train2017.json'
    for name in (ann, 'train2017/000000000002.jpg'):
        assert (tmp_path / 'a' / name).read_bytes() == (tmp_path / 'b' / name).read_bytes()
        assert (tmp_path / 'a' / name).read_bytes() != (tmp_path / 'c' / name).read_bytes()
    _age(tmp_path / 'a')
    summary = make_coco_like(tmp_path / 'a', seed=4, **args)
    assert summary['reused'] is True and summary['num_train_instances'] > 0
    assert all(p.stat().st_mtime == OLD for p in _files(tmp_path / 'a'))
    assert make_coco_like(tmp_path / 'a', seed=5, **args)['reused'] is False
    assert (tmp_path / 'a' / ann).stat().st_mtime != OLD


# ----------------------------------------------------------------------------------------------
# Scenes and shapes
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize('allow_overlap', [True, False])
def test_render_scene(allow_overlap):
    h, w = 80, 120
    image, instances = render_scene(np.random.default_rng(0), (h, w), SHAPE_CLASSES,
                                    class_ids=[0, 1, 2, 3, 4, 5], allow_overlap=allow_overlap,
                                    min_visible=0.55)
    assert image.shape == (h, w, 3) and image.dtype == np.uint8
    assert len(instances) >= 2 and instances[0].class_index == 0
    assert all(0 <= inst.class_index < K for inst in instances)
    masks = np.array([inst.mask for inst in instances])
    assert masks.sum(axis=0).max() == 1  # visible masks never overlap
    for inst in instances:
        full = polygon_to_mask(inst.polygon, h, w)
        assert not (inst.mask & ~full).any()
        assert inst.mask.sum() >= (0.55 if allow_overlap else 1.0) * full.sum() > 0
    if not allow_overlap:  # objects keep a gap of 2 px, also in crowded scenes
        for seed in range(6):
            _, crowd = render_scene(np.random.default_rng(seed), (64, 64), SHAPE_CLASSES,
                                    class_ids=[0, 1, 2, 3, 4, 5] * 2, allow_overlap=False)
            for i, a in enumerate(crowd):
                near = _dilate2(a.mask)
                assert not any((near & b.mask).any() for b in crowd[i + 1:])
    label = ade_label_map(instances, (h, w), ignore_border=0)
    for inst in instances:
        assert (label[inst.mask] == inst.class_index + 2).all()


@pytest.mark.parametrize('kind', SHAPE_KINDS)
def test_shape_polygons(kind):
    r = 20.0
    mask = polygon_to_mask(shape_polygon(kind, r, angle=0.3) + 32, 64, 64)
    assert 0.2 * np.pi * r * r < mask.sum() < 1.15 * np.pi * r * r
    ys, xs = np.nonzero(mask)
    assert max(xs.max() - xs.min(), ys.max() - ys.min()) <= 2 * r + 2
    assert mask[32, 32] == (kind != 'ring')  # the ring has a hole


def test_cli(tmp_path, capsys):
    from mmseg_inceptionnext.cli.data import main
    summary = main(['coco', '--root', str(tmp_path), '--num-train', '2', '--num-val', '1',
                           '--size', '64', '48'])
    assert 'num_train_instances:' in capsys.readouterr().out
    assert summary['size'] == [64, 48] and summary['reused'] is False
    with Image.open(tmp_path / 'val2017' / '000000000001.jpg') as img:
        assert img.size == (48, 64)
