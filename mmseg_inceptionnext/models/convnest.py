"""ConvNeSt ("Convolution on your 12x wide feature", ICLR 2024 submission) as a headless
four-stage backbone, plus the classifier used to count its size and save test weights.

The paper ships no code; this is our reading of it (see ``docs/convnest.md``), checked
against its parameter and MAC counts. Each block runs the depthwise convolution on the
12x wide hidden feature instead of the narrow input::

    h = GELU(fc1(x))                 # 1x1 conv, C -> 12C
    h = GELU(h + dwconv(dw_norm(h))) # 7x7 depthwise conv with an inner shortcut
    h = norm(fc2(h))                 # 1x1 conv, 12C -> C, LayerNorm on the narrow side
    out = res_scale * x + drop_path(h)

Key layout of ConvNeSt classification checkpoints (and of :class:`ConvNeStNet`, which
lacks only ``head.*``):

* ``stem.0`` (4x4 stride-4 conv), ``stem.1`` (LayerNorm),
* ``stages.{i}.downsample.0`` (LayerNorm), ``stages.{i}.downsample.1`` (2x2 stride-2
  conv), for i = 1..3,
* ``stages.{i}.blocks.{j}.fc1``, ``.dw_norm``, ``.dwconv``, ``.fc2``, ``.norm`` and the
  parameter ``.res_scale`` (shape ``(C,)``),
* ``head.norm`` (LayerNorm), ``head.fc`` (Linear).

All LayerNorms normalise over channels with eps 1e-6. Plain torch + ``timm.layers`` only.
"""
from __future__ import annotations

from collections import OrderedDict
from functools import partial
from typing import Any, Dict, Mapping, Sequence, Union

import torch
from timm.layers import DropPath, LayerNorm2d
from torch import nn

from .base import (
    NormLayer,
    StagedBackbone,
    resolve_arch,
    trunc_normal_init,
)

#: Channels-first LayerNorm for NCHW maps, normalising over C with eps 1e-6.
LayerNorm2dEps6: NormLayer = partial(LayerNorm2d, eps=1e-6)

#: Variants A, F, P, N, T, S, B of the paper.
CONVNEST_ARCHS: Dict[str, Dict[str, Any]] = {
    'atto': dict(depths=(2, 2, 9, 2), dims=(20, 40, 80, 160)),
    'femto': dict(depths=(2, 2, 9, 2), dims=(24, 48, 96, 192)),
    'pico': dict(depths=(2, 2, 9, 2), dims=(32, 64, 128, 256)),
    'nano': dict(depths=(2, 2, 12, 2), dims=(40, 80, 160, 320)),
    'tiny': dict(depths=(3, 3, 14, 3), dims=(48, 96, 192, 384)),
    'small': dict(depths=(3, 3, 24, 3), dims=(56, 112, 224, 448)),
    'base': dict(depths=(3, 3, 28, 3), dims=(72, 144, 288, 576)),
}
CONVNEST_REQUIRED = ('depths', 'dims')
CONVNEST_OPTIONAL = dict(expand_ratio=12, kernel_size=7)


def resolve_convnest_arch(arch: Union[str, Mapping[str, Any]]) -> Dict[str, Any]:
    """Validate a ConvNeSt ``arch`` name or dict; see :func:`~.base.resolve_arch`."""
    cfg = resolve_arch(arch, CONVNEST_ARCHS, required=CONVNEST_REQUIRED,
                       optional=CONVNEST_OPTIONAL, family='ConvNeSt')
    if cfg['kernel_size'] < 1 or cfg['kernel_size'] % 2 == 0:
        raise ValueError(f"ConvNeSt kernel_size must be a positive odd int (same padding), "
                         f"got {cfg['kernel_size']}.")
    if cfg['expand_ratio'] <= 0:
        raise ValueError(f"ConvNeSt expand_ratio must be positive, got {cfg['expand_ratio']}.")
    return cfg


class ConvNeStBlock(nn.Module):
    """ConvNeSt block: depthwise conv on the expanded feature, LayerNorm after ``fc2``.

    Args:
        dim: Channels.
        expand_ratio: Hidden width relative to ``dim`` (12 in the paper).
        kernel_size: Kernel of the depthwise conv (7 in the paper).
        drop_path: Stochastic depth rate of the residual branch.
        norm_layer: Factory ``channels -> norm module`` for both norms of the block.
    """

    def __init__(self, dim: int, *, expand_ratio: float = 12, kernel_size: int = 7,
                 drop_path: float = 0.0, norm_layer: NormLayer = LayerNorm2dEps6) -> None:
        super().__init__()
        hidden = int(expand_ratio * dim)
        self.fc1 = nn.Conv2d(dim, hidden, 1)
        self.act = nn.GELU()
        self.dw_norm = norm_layer(hidden)
        self.dwconv = nn.Conv2d(hidden, hidden, kernel_size, padding=kernel_size // 2,
                                groups=hidden)
        self.fc2 = nn.Conv2d(hidden, dim, 1)
        self.norm = norm_layer(dim)
        self.res_scale = nn.Parameter(torch.ones(dim))
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.act(self.fc1(x))
        h = self.act(h + self.dwconv(self.dw_norm(h)))
        h = self.norm(self.fc2(h))
        return x * self.res_scale.reshape(1, -1, 1, 1) + self.drop_path(h)


class ConvNeStNet(StagedBackbone):
    """Headless ConvNeSt returning multi-scale feature maps (strides 4..32).

    Args:
        arch: 'atto', 'femto', 'pico', 'nano', 'tiny', 'small', 'base', or a dict
            with the fields ``depths``, ``dims`` (and optionally ``expand_ratio``,
            ``kernel_size``).
        in_channels: Input image channels.
        out_indices: Stages to return (negatives allowed).
        drop_path_rate: Peak stochastic depth rate, ramped linearly over blocks.
        norm_layer: Factory ``channels -> norm module`` for the stem, downsample
            and block norms (channels-first LayerNorm, eps 1e-6, in the paper).
        out_norm_layer: Factory for a norm on each returned stage, or ``None``.
    """

    def __init__(self, arch: Union[str, Mapping[str, Any]] = 'tiny', *, in_channels: int = 3,
                 out_indices: Union[int, Sequence[int]] = (0, 1, 2, 3),
                 drop_path_rate: float = 0.0, norm_layer: NormLayer = LayerNorm2dEps6,
                 out_norm_layer: NormLayer | None = None) -> None:
        super().__init__()
        cfg = resolve_convnest_arch(arch)

        def block(i: int, drop_path: float) -> ConvNeStBlock:
            return ConvNeStBlock(cfg['dims'][i], expand_ratio=cfg['expand_ratio'],
                                 kernel_size=cfg['kernel_size'], drop_path=drop_path,
                                 norm_layer=norm_layer)

        self._build(cfg, block, in_channels=in_channels, drop_path_rate=drop_path_rate,
                    norm_layer=norm_layer, out_indices=out_indices, out_norm_layer=out_norm_layer)


class ConvNeStClassifier(ConvNeStNet):
    """ConvNeSt with its ImageNet head: global average pool, LayerNorm, Linear.

    Used to count parameters and MACs against the paper and to write checkpoints in
    the classification key layout (``stem.*``, ``stages.*``, ``head.norm``,
    ``head.fc``). It is a :class:`ConvNeStNet` returning only the last stage, with no
    output norm, so its keys are the backbone's plus ``head.*``.

    Args:
        arch: As for :class:`ConvNeStNet`.
        in_channels: Input image channels.
        num_classes: Classes of the linear classifier.
        drop_path_rate: Peak stochastic depth rate.
        norm_layer: As for :class:`ConvNeStNet`.
    """

    def __init__(self, arch: Union[str, Mapping[str, Any]] = 'tiny', *, in_channels: int = 3,
                 num_classes: int = 1000, drop_path_rate: float = 0.0,
                 norm_layer: NormLayer = LayerNorm2dEps6) -> None:
        super().__init__(arch, in_channels=in_channels, out_indices=(3, ),
                         drop_path_rate=drop_path_rate, norm_layer=norm_layer,
                         out_norm_layer=None)
        width = self.dims[-1]
        self.head = nn.Sequential(OrderedDict(
            pool=nn.AdaptiveAvgPool2d(1), flatten=nn.Flatten(1),
            norm=nn.LayerNorm(width, eps=1e-6), fc=nn.Linear(width, num_classes)))
        self.head.apply(trunc_normal_init)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        """Return class logits of shape ``(N, num_classes)``."""
        return self.head(super().forward(x)[-1])
