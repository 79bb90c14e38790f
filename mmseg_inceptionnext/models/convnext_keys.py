"""timm's ConvNeXt, the baselines' backbone, seen from its checkpoints: the arch names the
installed timm offers, the key conversion of the official facebookresearch release onto
timm's names, and the ConvNeXt family's key conversion for the shared loader
(:func:`mmseg_inceptionnext.models.checkpoint.load_backbone_weights`). Pure code on torch and
timm (no OpenMMLab): the OpenMMLab backbone is
:class:`mmseg_inceptionnext.plugin.timm_convnext.TimmConvNeXt`."""
from __future__ import annotations

import re
from collections import OrderedDict
from typing import List, Mapping

import timm
import torch
from timm.models.convnext import checkpoint_filter_fn

from .checkpoint import StateDict

#: Keys of timm's ConvNeXt that a headless backbone never has: classifier head, final norm.
TIMM_HEAD_PREFIXES = ('head.', 'norm_pre.')


def convnext_archs() -> List[str]:
    """The plain ``convnext_<size>`` models of the installed timm, as arch names."""
    names = timm.list_models('convnext_*')
    return sorted(m.group(1) for n in names for m in [re.fullmatch(r'convnext_([a-z]+)', n)] if m)


class _ShapesFor:
    """Stands in for the model in timm's ``checkpoint_filter_fn``, one tensor at a time.

    The filter reshapes 2-D tensors to ``model.state_dict()[key].shape``; a key the
    model lacks, or a tensor of another size (a checkpoint of another arch), would make
    it raise ``KeyError`` or ``RuntimeError``. Here such a tensor keeps its own shape,
    so that the strict check afterwards reports it by name.
    """

    def __init__(self, own: Mapping[str, torch.Tensor], value: torch.Tensor) -> None:
        self.own, self.value = own, value

    def state_dict(self) -> '_ShapesFor':
        return self

    def __getitem__(self, key: str) -> torch.Tensor:
        target = self.own.get(key)
        fits = target is not None and target.numel() == self.value.numel()
        return target if fits else self.value


def convnext_to_timm_keys(state_dict: Mapping[str, torch.Tensor],
                          model_state: Mapping[str, torch.Tensor]) -> StateDict:
    """Map an official ConvNeXt state dict onto timm's key names, or copy a timm one.

    The official release (``downsample_layers.*``, ``stages.{i}.{j}.dwconv``,
    ``pwconv1``, ``norm``, ``head``) is converted by timm's ``checkpoint_filter_fn``,
    key by key (see :class:`_ShapesFor`); a state dict without ``downsample_layers.``
    keys is already in timm's layout and is returned as a new dict. A pure function.

    Args:
        state_dict: Unwrapped checkpoint tensors (no ``model`` / ``module.`` wrapping).
        model_state: The target timm model's state dict (for the reshapes timm applies).

    Returns:
        A new dict keyed as timm's ``ConvNeXt``, head and final norm included.
    """
    if not any(k.startswith('downsample_layers.') for k in state_dict):
        return OrderedDict(state_dict)
    out = OrderedDict()
    for key, value in state_dict.items():
        out.update(checkpoint_filter_fn({key: value}, _ShapesFor(model_state, value)))
    return out


def convnext_backbone_keys(state_dict: Mapping[str, torch.Tensor],
                           timm_state: Mapping[str, torch.Tensor]) -> StateDict:
    """Map a ConvNeXt checkpoint's backbone tensors onto ``TimmConvNeXt``'s key names:
    ``model.*`` for timm's network, other keys (the output norms ``norm{i}.*``) as they are.

    Accepts the official release and timm's layout (converted by
    :func:`convnext_to_timm_keys`, classifier head and final norm dropped) and the
    backbone's own layout (``model.*`` keys, e.g. from an OpenMMLab checkpoint once its
    ``backbone.`` prefix is gone). A pure function: the input is not modified.

    Args:
        state_dict: Backbone tensors, as :func:`~.checkpoint.to_backbone_state_dict` returns.
        timm_state: The backbone's timm network's state dict (for timm's reshapes).

    Returns:
        A new dict in ``TimmConvNeXt``'s key names.
    """
    own_layout = any(k.startswith('model.') for k in state_dict)
    timm_sd = OrderedDict((k[len('model.'):], v) for k, v in state_dict.items()
                          if k.startswith('model.')) if own_layout else state_dict
    out = OrderedDict((f'model.{k}', v)
                      for k, v in convnext_to_timm_keys(timm_sd, timm_state).items()
                      if not k.startswith(TIMM_HEAD_PREFIXES))
    if own_layout:
        out.update((k, v) for k, v in state_dict.items() if not k.startswith('model.'))
    return out
