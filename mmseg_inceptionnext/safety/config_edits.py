"""The reliability settings that this package's ``tools/train.py`` and ``tools/test.py`` add to
every config, and that a config can switch on itself for the stock OpenMMLab tools:

* training pipelines wrapped in ``BadSampleGuard`` (bad samples skipped and reported),
* ``BadSampleHook`` (count, limit, evaluation samples checked) and ``NonFiniteCheckHook``
  (non-finite losses, gradients and checkpoints) in ``custom_hooks``,
* checkpoints written through the ``atomic_local`` file backend (atomic, and an old
  checkpoint is deleted only once the next one is whole).

Each function leaves a setting the config already makes alone.
"""
from __future__ import annotations

from typing import Any, Iterator

from mmengine.config import Config

from .checkpoint_io import BACKEND_NAME

GUARD = 'BadSampleGuard'


def add_custom_hook(cfg: Config, hook: dict) -> None:
    """Append ``hook`` to ``cfg.custom_hooks`` unless a hook of its type is there."""
    hooks = list(cfg.get('custom_hooks', None) or [])
    if not any(h.get('type') == hook['type'] for h in hooks):
        cfg.custom_hooks = hooks + [hook]


def dataset_cfgs(dataset: Any) -> Iterator[dict]:
    """A dataset config and those inside its wrappers (``dataset``, ``datasets``)."""
    if not isinstance(dataset, dict):
        return
    yield dataset
    for inner in [dataset.get('dataset')] + list(dataset.get('datasets') or []):
        yield from dataset_cfgs(inner)


def _label_range(cfg: Config) -> dict:
    """``num_classes`` and ``ignore_index`` of the segmentation head, which labels are
    checked against (none for other models)."""
    head = (cfg.get('model') or {}).get('decode_head')
    if not isinstance(head, dict) or head.get('num_classes') is None:
        return {}
    return dict(num_classes=head['num_classes'], ignore_index=head.get('ignore_index', 255))


def guard_training_pipelines(cfg: Config) -> None:
    """Wrap in ``BadSampleGuard`` each training pipeline that loads files and ends in a
    ``Pack*`` step (not, e.g., the loading-only inner pipeline of a Mosaic dataset)."""
    loader = cfg.get('train_dataloader') or {}
    for dataset in dataset_cfgs(loader.get('dataset')):
        steps = list(dataset.get('pipeline') or [])
        types = [str(s.get('type')) if isinstance(s, dict) else '' for s in steps]
        if types and GUARD not in types and types[-1].startswith('Pack') \
                and any(t.startswith('Load') for t in types):
            dataset['pipeline'] = [dict(type=GUARD, transforms=steps, **_label_range(cfg))]


def use_atomic_checkpoints(cfg: Config) -> None:
    """Write checkpoints through the ``atomic_local`` backend when they go to a local
    directory and the config names no backend."""
    checkpoint = (cfg.get('default_hooks') or {}).get('checkpoint')
    if not isinstance(checkpoint, dict):
        return
    if checkpoint.get('backend_args') or checkpoint.get('file_client_args') \
            or '://' in str(checkpoint.get('out_dir') or ''):
        return
    checkpoint['backend_args'] = dict(backend=BACKEND_NAME)


def add_training_safeguards(cfg: Config) -> None:
    """All reliability settings for a training run (see the module docstring)."""
    guard_training_pipelines(cfg)
    add_custom_hook(cfg, dict(type='BadSampleHook'))
    add_custom_hook(cfg, dict(type='NonFiniteCheckHook'))
    use_atomic_checkpoints(cfg)


def add_testing_safeguards(cfg: Config) -> None:
    """Reliability settings for evaluation: bad samples and non-finite checkpoints are
    errors."""
    add_custom_hook(cfg, dict(type='BadSampleHook'))
    add_custom_hook(cfg, dict(type='NonFiniteCheckHook'))
