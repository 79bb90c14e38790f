"""Layer-wise / stage-wise learning-rate decay, ConvNeXt's rule, for every backbone of this
package (InceptionNeXt, ConvNeSt and the timm ConvNeXt baseline).

MMSegmentation's and MMDetection's ``LearningRateDecayOptimizerConstructor`` accept only
backbones whose class name contains ``ConvNeXt`` and mmpretrain's parameter names; any
other raises. This constructor takes the same ``paramwise_cfg`` and gives each parameter
the learning rate and weight decay theirs gives the parameter in the same place of
mmpretrain's ConvNeXt (a test checks it against theirs), so ConvNeXt's recipes carry over::

    optim_wrapper = dict(
        type='AmpOptimWrapper',
        optimizer=dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.05),
        constructor='StagedLRDecayOptimizerConstructor',
        paramwise_cfg=dict(decay_rate=0.95, decay_type='layer_wise', num_layers=6))

It finds the places from the backbone's :meth:`stage_modules` (the stem, then stages with
``downsample`` and ``blocks``), the backbone contract all three families share, not from
parameter names. With ``N = num_layers``, a parameter's lr is
``base_lr * decay_rate ** (N + 1 - layer_id)``, where

- ``layer_wise``: the stem is 0, stage 0 is 1, stage 1 is 2, stage 3 is ``N``; the blocks of
  stage 2 are spread evenly over ids ``3 .. N - 1`` (block ``j`` of ``d``:
  ``3 + j * (N - 3) // d``; for ConvNeXt's 9 or 27 blocks with N = 6 or 12 that is
  upstream's three blocks an id); a stage's downsample shares its first block's id;
- ``stage_wise``: the stem and every downsample are 0, the blocks of stage ``i`` are
  ``i + 1``;
- everything else, the output norms ``norm{i}``, the neck and the heads included, is
  ``N + 1`` (the full lr), as upstream treats everything it does not name.

As upstream, 1-D parameters and biases get no weight decay.
"""
from __future__ import annotations

from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from mmengine.logging import print_log
from mmengine.optim import DefaultOptimWrapperConstructor
from torch import nn

from ..models import NUM_STAGES
from ..models.contract import require_backbone
from .registry import registries

DECAY_TYPES = ('layer_wise', 'stage_wise')
PARAMWISE_KEYS = ('decay_rate', 'decay_type', 'num_layers', 'custom_keys')
#: The stage of a stem parameter in a place ``(stage, block)``.
STEM = -1
#: A place in the backbone: ``(stage, block)``; stage ``STEM`` for the stem, block ``None``
#: for a stage's downsample.
Place = Tuple[int, Optional[int]]


def layer_id(place: Optional[Place], depths: Sequence[int], decay_type: str,
             num_layers: int) -> int:
    """Layer id of a parameter at ``place`` (see the module docstring).

    Args:
        place: ``(stage, block)`` in the backbone (stage ``STEM`` for the stem, block
            ``None`` for a downsample), or ``None`` for a parameter outside the backbone's
            stem and stages (output norms, neck, heads).
        depths: Blocks per backbone stage.
        decay_type: 'layer_wise' or 'stage_wise'.
        num_layers: ``N`` of ConvNeXt's rule (6 for its T-size recipes, 12 for S/B).

    Returns:
        The id, in ``[0, num_layers + 1]``.
    """
    if place is None:
        return num_layers + 1
    stage, block = place
    if decay_type == 'stage_wise':
        return 0 if stage == STEM or block is None else stage + 1
    if stage == STEM:
        return 0
    if stage < 2:
        return stage + 1
    if stage == 2:
        return 3 + (block or 0) * (num_layers - 3) // depths[2]
    return num_layers


def backbone_places(backbone: nn.Module) -> Tuple[Dict[int, Place], Tuple[int, ...]]:
    """Where each parameter of ``backbone`` sits, from its ``stage_modules()``.

    Args:
        backbone: A backbone of this package: ``stage_modules()`` returns the stem, then
            stages that each have ``downsample`` and ``blocks``.

    Returns:
        ``({id(parameter): (stage, block)}, depths)``.
    """
    stem, *stages = backbone.stage_modules()
    places: Dict[int, Place] = {id(p): (STEM, None) for p in stem.parameters()}
    for i, stage in enumerate(stages):
        for p in stage.downsample.parameters():
            places[id(p)] = (i, None)
        for j, block in enumerate(stage.blocks):
            places.update((id(p), (i, j)) for p in block.parameters())
    return places, tuple(len(stage.blocks) for stage in stages)


class StagedLRDecayOptimizerConstructor(DefaultOptimWrapperConstructor):
    """ConvNeXt's layer-/stage-wise learning-rate decay for this package's backbones.

    ``paramwise_cfg``: ``decay_rate`` (float in (0, 1]), ``decay_type`` ('layer_wise' or
    'stage_wise'), ``num_layers`` (int >= 4; ConvNeXt's recipes use 6 for T-size models,
    12 for S and B), as MMSegmentation's and MMDetection's
    ``LearningRateDecayOptimizerConstructor``, and optionally ``custom_keys``, as
    mmengine's: ``{substring: dict(lr_mult=..., decay_mult=...)}``, the longest matching
    substring wins. A custom key that matches no parameter is an error, not a silent no-op.
    """

    def add_params(self, params: List[dict], module: nn.Module, **kwargs) -> None:
        decay_rate, decay_type, num_layers, custom = self._settings()
        keys = sorted(custom, key=lambda k: (-len(k), k))
        backbone = require_backbone(getattr(module, 'backbone', None),
                                    'StagedLRDecayOptimizerConstructor (model.backbone)')
        places, depths = backbone_places(backbone)
        if len(depths) != NUM_STAGES and decay_type == 'layer_wise':
            raise ValueError(f'layer_wise decay needs all {NUM_STAGES} backbone stages; this '
                             f'backbone keeps {len(depths)} (out_indices ends early).')
        groups: Dict[str, dict] = {}
        for name, param in module.named_parameters():
            if not param.requires_grad:
                continue
            no_decay = param.ndim == 1 or name.endswith('.bias')
            lid = layer_id(places.get(id(param)), depths, decay_type, num_layers)
            match = next((k for k in keys if k in name), None)
            mults = custom.get(match, {})
            key = f'layer_{lid}_{"no_decay" if no_decay else "decay"}_{match}'
            if key not in groups:
                scale = decay_rate**(num_layers + 1 - lid) * mults.get('lr_mult', 1.0)
                groups[key] = dict(params=[], lr=self.base_lr * scale, lr_scale=scale)
                if no_decay:
                    groups[key]['weight_decay'] = 0.0
                elif self.base_wd is not None:
                    groups[key]['weight_decay'] = self.base_wd * mults.get('decay_mult', 1.0)
            groups[key]['params'].append(param)
        check_custom_keys(keys, [n for n, p in module.named_parameters() if p.requires_grad],
                          type(module).__name__, trainable=True)
        print_log(f'{decay_type} lr decay {decay_rate}, num_layers {num_layers}: '
                  + ', '.join(f'{k} x{g["lr_scale"]:.4g} ({len(g["params"])})'
                              for k, g in sorted(groups.items())), logger='current')
        params.extend(groups.values())

    def _settings(self) -> Tuple[float, str, int, dict]:
        """``paramwise_cfg`` checked: (decay_rate, decay_type, num_layers, custom_keys)."""
        cfg = dict(self.paramwise_cfg)
        unknown = sorted(set(cfg) - set(PARAMWISE_KEYS))
        if unknown:
            raise ValueError(f'StagedLRDecayOptimizerConstructor takes paramwise_cfg keys '
                             f'{list(PARAMWISE_KEYS)}, got unknown {unknown}.')
        custom = dict(cfg.get('custom_keys') or {})
        for key, mults in custom.items():
            bad = sorted(set(mults) - {'lr_mult', 'decay_mult'})
            if bad:
                raise ValueError(f'custom_keys[{key!r}] takes lr_mult and decay_mult, got {bad}.')
        decay_rate = float(cfg.get('decay_rate', 1.0))
        if not 0.0 < decay_rate <= 1.0:
            raise ValueError(f'decay_rate must be in (0, 1], got {decay_rate}.')
        decay_type = cfg.get('decay_type', 'layer_wise')
        if decay_type not in DECAY_TYPES:
            raise ValueError(f'decay_type must be one of {DECAY_TYPES}, got {decay_type!r}.')
        num_layers = cfg.get('num_layers')
        if not isinstance(num_layers, int) or isinstance(num_layers, bool) or num_layers < 4:
            raise ValueError(f'paramwise_cfg.num_layers must be an int >= 4, as in '
                             f"MMSegmentation's and MMDetection's ConvNeXt recipes (6 for "
                             f'T-size models, 12 for S and B), got {num_layers!r}.')
        return decay_rate, decay_type, num_layers, custom


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
