"""Datasets checked before a run: one sentence for a split that cannot work.

A wrong ``data_root`` or layout otherwise surfaces deep inside a sampler (``need at least one
array to concatenate``) or as every sample skipped. :func:`check_datasets` reads each
dataloader's dataset config (inside Repeat / Concat wrappers) and looks at the files on disk,
in the two layouts our configs use:

- **segmentation** (MMSegmentation's ``BaseSegDataset``: ADE20K and the like): images under
  ``data_prefix.img_path`` with ``img_suffix``, label maps under ``data_prefix.seg_map_path``
  with ``seg_map_suffix``, paired by name (or the names of an ``ann_file`` split list);
- **COCO** (MMDetection's ``CocoDataset``): the ``ann_file`` JSON and the images it lists under
  ``data_prefix.img``.

Each problem is a :class:`DatasetLayoutError` naming the loader, the data root, what was
expected and what was found (counts), and how to fix it: an empty split, a missing images or
annotations folder, images without annotations or annotations without images beyond the
bad-sample limit, a wrong suffix.

Our configs set ``runner_type = 'DatasetCheckingRunner'``, which MMSegmentation's and
MMDetection's own ``tools/train.py`` and ``tools/test.py`` build through mmengine's
``RUNNERS`` registry: the check then runs before the runner builds its model, in their tools
as in ours.
"""
from __future__ import annotations

import inspect
import json
import os
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence, Set

from mmengine.runner import Runner

from ..plugin.config_text import formatted_once
from ..plugin.registry import register_runner
from .bad_samples import resolve_limit
from .config_edits import dataset_cfgs

_FIX = ('point the config at the dataset with --cfg-options {loader}.dataset.data_root=PATH, '
        'or generate the built-in data with `python -m mmseg_inceptionnext data {layout}`')


class DatasetLayoutError(ValueError):
    """A dataset split that cannot be trained or evaluated on as configured."""


def _class_default(dataset_type: Any, name: str, fallback: str) -> str:
    """A keyword default of the dataset class (``img_suffix='.jpg'`` of ADE20KDataset)."""
    try:
        from mmengine.registry import DATASETS
        cls = dataset_type if isinstance(dataset_type, type) else DATASETS.get(dataset_type)
        for klass in (cls.__mro__ if cls else ()):
            param = inspect.signature(klass.__init__).parameters.get(name)
            if param is not None and param.default is not inspect.Parameter.empty:
                return param.default
    except Exception:  # noqa: BLE001  (an unknown type: the fallback is the common default)
        pass
    return fallback


def _files(folder: str, suffix: str) -> List[str]:
    """Paths below ``folder`` ending in ``suffix``, relative to it, without the suffix."""
    found = []
    for dirpath, _, names in os.walk(folder, followlinks=True):
        for name in names:
            if name.endswith(suffix):
                rel = osp.relpath(osp.join(dirpath, name), folder)
                found.append(rel[:-len(suffix)])
    return found


def _other_suffixes(folder: str) -> str:
    counts: Dict[str, int] = {}
    for _, _, names in os.walk(folder, followlinks=True):
        for name in names:
            ext = osp.splitext(name)[1] or '(none)'
            counts[ext] = counts.get(ext, 0) + 1
    return ', '.join(f'{n} {ext}' for ext, n in sorted(counts.items())) or 'no files'


def _join(root: str, path: Optional[str]) -> str:
    return osp.join(root, path) if root and path and not osp.isabs(path) else (path or root)


def _check_seg(loader: str, cfg: dict, root: str, limit_of) -> None:
    prefix = cfg.get('data_prefix') or {}
    img_dir, ann_dir = _join(root, prefix.get('img_path', '')), _join(root, prefix.get(
        'seg_map_path', ''))
    img_suffix = cfg.get('img_suffix') or _class_default(cfg.get('type'), 'img_suffix', '.jpg')
    seg_suffix = cfg.get('seg_map_suffix') or _class_default(cfg.get('type'), 'seg_map_suffix',
                                                             '.png')
    fix = _FIX.format(loader=loader, layout='ade20k')
    for what, folder, other, other_suffix in (('images', img_dir, ann_dir, seg_suffix),
                                              ('annotations', ann_dir, img_dir, img_suffix)):
        if not osp.isdir(folder):
            found = (f'{len(_files(other, other_suffix))} {other_suffix} files in {other!r}'
                     if osp.isdir(other) else f'no {other!r} either')
            raise DatasetLayoutError(
                f'{loader}: the {what} folder {folder!r} does not exist under data root '
                f'{root!r} (expected {what} of this split there, data_prefix {prefix!r}; '
                f'found {found}); {fix}.')
    images = set(_files(img_dir, img_suffix))
    if not images:
        raise DatasetLayoutError(
            f'{loader}: the split is empty: {img_dir!r} (data root {root!r}) holds no '
            f'{img_suffix} images; found {_other_suffixes(img_dir)}; set img_suffix if your '
            f'images have another suffix, or {fix}.')
    ann_file = cfg.get('ann_file')
    if ann_file:
        split = _join(root, ann_file)
        with open(split) as f:
            images &= {line.strip() for line in f if line.strip()}
    labels = set(_files(ann_dir, seg_suffix))
    unlabelled, orphans = sorted(images - labels), sorted(labels - images)
    limit = limit_of(len(images))
    if len(unlabelled) > limit or (not ann_file and len(orphans) > limit):
        raise DatasetLayoutError(
            f'{loader}: {len(images)} {img_suffix} images in {img_dir!r} and {len(labels)} '
            f'{seg_suffix} label maps in {ann_dir!r} (data root {root!r}): {len(unlabelled)} '
            f'images have no label map (e.g. {unlabelled[:3]}) and {len(orphans)} label maps '
            f'no image (e.g. {orphans[:3]}), more than the {limit} bad samples allowed; pair '
            f'them by name (image NAME{img_suffix}, label map NAME{seg_suffix}), or {fix}.')


def _check_coco(loader: str, cfg: dict, root: str, limit_of) -> None:
    ann_file = _join(root, cfg['ann_file'])
    img_dir = _join(root, (cfg.get('data_prefix') or {}).get('img', ''))
    fix = _FIX.format(loader=loader, layout='coco')
    if not osp.isfile(ann_file):
        raise DatasetLayoutError(
            f'{loader}: the annotation file {ann_file!r} does not exist under data root '
            f'{root!r} (expected a COCO JSON there); {fix}.')
    if not osp.isdir(img_dir):
        raise DatasetLayoutError(
            f'{loader}: the images folder {img_dir!r} does not exist under data root '
            f'{root!r} (the images {ann_file!r} lists); {fix}.')
    with open(ann_file) as f:
        listed = [image['file_name'] for image in json.load(f).get('images', [])]
    if not listed:
        raise DatasetLayoutError(
            f'{loader}: the split is empty: {ann_file!r} (data root {root!r}) lists no '
            f'images; {fix}.')
    missing = [name for name in listed if not osp.isfile(osp.join(img_dir, name))]
    limit = limit_of(len(listed))
    if len(missing) > limit:
        raise DatasetLayoutError(
            f'{loader}: {len(missing)} of the {len(listed)} images {ann_file!r} lists are not '
            f'in {img_dir!r} (data root {root!r}; e.g. {missing[:3]}), more than the {limit} '
            f'bad samples allowed; put the images there, or {fix}.')


def _configured_max_skipped(cfg: Any) -> Any:
    """``max_skipped`` of the config's BadSampleHook (its default, 0.01, if not given), or 0
    without one."""
    hooks = [h for h in cfg.get('custom_hooks') or [] if h.get('type') == 'BadSampleHook']
    return hooks[0].get('max_skipped', 0.01) if hooks else 0


def check_datasets(cfg: Any, loaders: Sequence[str], max_skipped: Any = None) -> None:
    """Raise :class:`DatasetLayoutError` if a split of ``loaders`` cannot work (see the module
    docstring); datasets of other layouts are left alone.

    Args:
        cfg: The run's config.
        loaders: Names of its dataloaders (``'train_dataloader'``, ...).
        max_skipped: Bad samples allowed in training, as ``BadSampleHook(max_skipped=...)``
            (default: what the config's BadSampleHook allows, 0 without one). Unpaired samples
            of evaluation loaders are left to their guard, which names the first one.
    """
    if max_skipped is None:
        max_skipped = _configured_max_skipped(cfg)
    for loader in loaders:
        # evaluation reads every sample, and its guard names the first bad one itself
        limit = max_skipped if loader == 'train_dataloader' else None
        for dataset in dataset_cfgs((cfg.get(loader) or {}).get('dataset')):
            root = dataset.get('data_root') or ''
            prefix = dataset.get('data_prefix') or {}
            if root and not osp.isdir(root):
                raise FileNotFoundError(
                    f'{loader}.dataset.data_root {root!r} does not exist (working directory: '
                    f'{os.getcwd()}); prepare the dataset there as the README\'s "Data" '
                    f'section describes, or point the config at it with --cfg-options '
                    f'{loader}.dataset.data_root=/path/to/dataset.')
            def limit_of(size, limit=limit):
                return float('inf') if limit is None else resolve_limit(limit, size)
            if 'seg_map_path' in prefix:
                _check_seg(loader, dataset, root, limit_of)
            elif str(dataset.get('ann_file', '')).endswith('.json') and 'img' in prefix:
                _check_coco(loader, dataset, root, limit_of)


def check_unchecked(cfg: Any, loaders: Sequence[str], checked: Set[str],
                    max_skipped: Any = None) -> Set[str]:
    """:func:`check_datasets` for those of ``loaders`` the config has and ``checked`` does not
    hold; returns ``checked`` with them added."""
    todo = [name for name in loaders if name not in checked and cfg.get(name)]
    check_datasets(cfg, todo, max_skipped)
    return set(checked) | set(todo)


@register_runner
class DatasetCheckingRunner(Runner):
    """mmengine's :class:`~mmengine.runner.Runner` that checks the datasets of a run
    (:func:`check_datasets`) before it builds the model.

    Which splits a run reads is known only when ``train()``, ``val()`` or ``test()`` is called,
    after the model is built; the tools' configs tell it earlier: ``tools/test.py`` sets
    ``load_from`` to the checkpoint it tests, ``tools/train.py`` sets it only to resume. So a
    config with ``load_from`` and without ``resume`` has its test split checked before the
    model is built, any other its training and validation splits; a split checked neither way
    (fine-tuning from ``load_from``, say) is checked when its loop is called, before its
    dataset is built.

    It also formats its config once (:mod:`~mmseg_inceptionnext.plugin.config_text`), where
    mmengine's runner formats it again for every log, dump and checkpoint.
    """

    @classmethod
    def from_cfg(cls, cfg) -> 'DatasetCheckingRunner':
        cfg = formatted_once(cfg)
        testing = bool(cfg.get('load_from')) and not cfg.get('resume')
        loaders = ['test_dataloader'] if testing else ['train_dataloader', 'val_dataloader']
        checked = check_unchecked(cfg, loaders, set())
        runner = super().from_cfg(cfg)
        runner.checked_loaders = checked
        return runner

    def _check(self, loaders: Sequence[str]) -> None:
        self.checked_loaders = check_unchecked(self.cfg, loaders,
                                               getattr(self, 'checked_loaders', set()))

    def train(self):
        self._check(['train_dataloader', 'val_dataloader'])
        return super().train()

    def val(self):
        self._check(['val_dataloader'])
        return super().val()

    def test(self):
        self._check(['test_dataloader'])
        return super().test()
