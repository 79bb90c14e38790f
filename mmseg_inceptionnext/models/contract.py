"""The backbone contract: what the code around a backbone relies on.

The layer-decay optimizer constructor (:mod:`mmseg_inceptionnext.plugin.optim`), the OpenMMLab
mixin (``frozen_stages``, ``with_cp``, ``init_cfg``) and the strict checkpoint loader read a
backbone only through these members. :class:`~.base.StagedBackbone` (InceptionNeXt, ConvNeSt)
and ``TimmConvNeXt`` provide them; ``isinstance(module, Backbone)`` checks that a module does.
"""
from __future__ import annotations

from typing import List, Protocol, Tuple, runtime_checkable

from torch import nn

from .checkpoint import CheckpointFormat


@runtime_checkable
class Backbone(Protocol):
    """A four-stage backbone of this package.

    Attributes:
        dims: Channels of each stage's output.
        out_indices: The stages whose outputs ``forward`` returns, in order.
    """

    dims: Tuple[int, ...]
    out_indices: Tuple[int, ...]

    def stage_modules(self) -> List[nn.Module]:
        """The stem, then each stage; a stage has ``downsample`` (a module) and ``blocks``
        (a sequence of modules)."""

    def set_grad_checkpointing(self, enable: bool = True) -> None:
        """Recompute each block's activations in the backward pass (``with_cp``)."""

    def checkpoint_format(self) -> CheckpointFormat:
        """How the strict loader reads released checkpoints into this backbone."""


def require_backbone(module: object, user: str) -> Backbone:
    """``module`` itself if it fulfils :class:`Backbone`.

    Raises:
        TypeError: Naming ``user`` and the members ``module`` lacks.
    """
    if isinstance(module, Backbone):
        return module
    missing = [name for name in ('dims', 'out_indices', 'stage_modules', 'set_grad_checkpointing',
                                 'checkpoint_format') if not hasattr(module, name)]
    raise TypeError(f'{user} needs a backbone of this package (InceptionNeXt, ConvNeSt or '
                    f'TimmConvNeXt: the Backbone contract of mmseg_inceptionnext.models.contract), '
                    f'got {type(module).__name__}, which lacks {", ".join(missing)}.')
