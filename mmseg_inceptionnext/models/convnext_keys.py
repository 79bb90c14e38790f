"""timm's ConvNeXt, the baselines' backbone, seen from its checkpoints: the arch names the
installed timm offers, and the key conversion of the official facebookresearch release onto
timm's names. Pure code on torch and timm (no OpenMMLab): the OpenMMLab backbone is
:class:`mmseg_inceptionnext.openmmlab.timm_convnext.TimmConvNeXt`."""
from __future__ import annotations

import re
from collections import OrderedDict
from typing import List, Mapping

import timm
import torch
from timm.models.convnext import checkpoint_filter_fn

from .checkpoint import StateDict


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
