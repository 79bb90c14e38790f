"""Layer-wise / stage-wise learning-rate decay for this package's backbones.

MMSegmentation's and MMDetection's ``LearningRateDecayOptimizerConstructor`` accept only
backbones whose class name contains ``ConvNeXt`` (and ConvNeXt's parameter names); any
other raises ``NotImplementedError``. This constructor works with every
:class:`~mmseg_inceptionnext.models.StagedBackbone` (InceptionNeXt, ConvNeSt)::

    optim_wrapper = dict(
        type='OptimWrapper',
        optimizer=dict(type='AdamW', lr=1e-4, weight_decay=0.05),
        constructor='StagedLRDecayOptimizerConstructor',
        paramwise_cfg=dict(decay_rate=0.9, decay_type='layer_wise'))

Layer ids: the stem is 0; with ``layer_wise`` block ``j`` of stage ``i`` is
``sum(depths[:i]) + j + 1`` (a stage's downsample shares its first block's id, an output
norm its last block's); with ``stage_wise`` everything in stage ``i`` is ``i + 1``. Every
parameter outside the backbone (neck, heads) has the largest id. A parameter's lr is
``base_lr * decay_rate ** (max_id - id)``. As upstream, 1-D parameters (norms, biases,
layer scales) get no weight decay.
"""
from __future__ import annotations

import re
from typing import Dict, Iterable, List, Sequence

from mmengine.optim import DefaultOptimWrapperConstructor
from torch import nn

from ..models import StagedBackbone
from .registry import registries

DECAY_TYPES = ('layer_wise', 'stage_wise')


def num_layer_ids(depths: Sequence[int], decay_type: str) -> int:
    """Number of distinct layer ids (stem, blocks or stages, everything else)."""
    return (sum(depths) if decay_type == 'layer_wise' else len(depths)) + 2


def layer_id(name: str, depths: Sequence[int], decay_type: str) -> int:
    """Layer id of parameter ``name`` of a segmentor or detector (see module docstring).

    Args:
        name: Parameter name, e.g. ``'backbone.stages.2.blocks.5.mlp.fc1.weight'``.
        depths: Blocks per backbone stage.
        decay_type: 'layer_wise' or 'stage_wise'.

    Returns:
        The id, in ``[0, num_layer_ids(depths, decay_type))``.
    """
    if decay_type not in DECAY_TYPES:
        raise ValueError(f'decay_type must be one of {DECAY_TYPES}, got {decay_type!r}.')
    last = num_layer_ids(depths, decay_type) - 1
    if not name.startswith('backbone.'):
        return last
    name = name[len('backbone.'):]
    if name.startswith('stem.'):
        return 0
    stage = re.match(r'stages\.(\d+)\.(downsample|blocks\.(\d+))\.', name)
    norm = re.match(r'norm(\d+)\.', name)
    if stage is None and norm is None:
        return last
    i = int((stage or norm).group(1))
    if decay_type == 'stage_wise':
        return i + 1
    if norm is not None:
        return sum(depths[:i + 1])
    block = int(stage.group(3)) if stage.group(3) is not None else 0
    return sum(depths[:i]) + block + 1


class StagedLRDecayOptimizerConstructor(DefaultOptimWrapperConstructor):
    """Learning-rate decay by depth for InceptionNeXt / ConvNeSt backbones.

    ``paramwise_cfg``: ``decay_rate`` (float in (0, 1]), ``decay_type``
    ('layer_wise' or 'stage_wise') and optionally ``custom_keys``, as mmengine's:
    ``{substring: dict(lr_mult=..., decay_mult=...)}``, the longest matching substring
    wins. A custom key that matches no parameter is an error, not a silent no-op.
    """

    def add_params(self, params: List[dict], module: nn.Module, **kwargs) -> None:
        cfg = dict(self.paramwise_cfg)
        unknown = sorted(set(cfg) - {'decay_rate', 'decay_type', 'custom_keys'})
        if unknown:
            raise ValueError(f'StagedLRDecayOptimizerConstructor takes paramwise_cfg keys '
                             f"'decay_rate', 'decay_type' and 'custom_keys', got unknown "
                             f'{unknown}.')
        custom = dict(cfg.get('custom_keys') or {})
        for key, mults in custom.items():
            bad = sorted(set(mults) - {'lr_mult', 'decay_mult'})
            if bad:
                raise ValueError(f'custom_keys[{key!r}] takes lr_mult and decay_mult, got {bad}.')
        keys = sorted(custom, key=lambda k: (-len(k), k))
        decay_rate = float(cfg.get('decay_rate', 1.0))
        decay_type = cfg.get('decay_type', 'layer_wise')
        if not 0.0 < decay_rate <= 1.0:
            raise ValueError(f'decay_rate must be in (0, 1], got {decay_rate}.')
        backbone = getattr(module, 'backbone', None)
        if not isinstance(backbone, StagedBackbone):
            raise TypeError(f'StagedLRDecayOptimizerConstructor needs a model whose backbone '
                            f'is InceptionNeXt or ConvNeSt, got '
                            f'{type(backbone).__name__}.')
        depths = backbone.arch['depths']
        last = num_layer_ids(depths, decay_type) - 1
        groups: Dict[str, dict] = {}
        for name, param in module.named_parameters():
            if not param.requires_grad:
                continue
            no_decay = param.ndim == 1 or name.endswith('.bias')
            lid = layer_id(name, depths, decay_type)
            match = next((k for k in keys if k in name), None)
            mults = custom.get(match, {})
            key = f'layer_{lid}_{"no_decay" if no_decay else "decay"}_{match}'
            if key not in groups:
                scale = decay_rate**(last - lid) * mults.get('lr_mult', 1.0)
                groups[key] = dict(params=[], lr=self.base_lr * scale, lr_scale=scale)
                if no_decay:
                    groups[key]['weight_decay'] = 0.0
                elif self.base_wd is not None:
                    groups[key]['weight_decay'] = self.base_wd * mults.get('decay_mult', 1.0)
            groups[key]['params'].append(param)
        check_custom_keys(keys, [n for n, p in module.named_parameters() if p.requires_grad],
                          type(module).__name__, trainable=True)
        params.extend(groups.values())


def check_custom_keys(keys: Iterable[str], names: Sequence[str], owner: str, *,
                      trainable: bool = False) -> None:
    """Fail if a ``paramwise_cfg.custom_keys`` entry is part of no parameter name: mmengine's
    default constructor ignores such keys silently, so a typo would change nothing.

    Args:
        keys: The custom keys.
        names: The parameter names they must match (as substrings, mmengine's rule).
        owner: What the parameters belong to, for the message.
        trainable: ``names`` are the trainable parameters only.
    """
    unmatched = [k for k in keys if not any(k in n for n in names)]
    if unmatched:
        kind = 'trainable parameter' if trainable else 'parameter'
        raise ValueError(f'optim_wrapper.paramwise_cfg.custom_keys {unmatched} match no {kind} '
                         f'of {owner}, so they would change nothing. Parameter names look like '
                         f'{list(names)[:4]}; fix the keys or remove them.')


for _registry in registries('OPTIM_WRAPPER_CONSTRUCTORS'):
    _registry.register_module(module=StagedLRDecayOptimizerConstructor)
