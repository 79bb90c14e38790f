"""InceptionNeXt (Yu, Zhou, Yan, Wang; "InceptionNeXt: When Inception Meets ConvNeXt",
CVPR 2024, arXiv 2303.16900) as a headless four-stage backbone.

Holds the Inception depthwise token mixer, the MetaNeXt block, the variant table
and :class:`InceptionNeXtNet`. Module names follow the released ImageNet
checkpoints (official ``inceptionnext_*.pth`` and timm's ``inception_next_*``), so
their weights load strictly once the classification head is dropped.
Plain torch + ``timm.layers`` only.
"""
from __future__ import annotations

from typing import Any, Dict, Mapping, Sequence, Union

import torch
from timm.layers import ConvMlp, DropPath
from torch import nn

from .base import (
    NormLayer,
    StagedBackbone,
    resolve_arch,
)

#: Variants of the paper's Table 1 (atto from the official repository).
INCEPTIONNEXT_ARCHS: Dict[str, Dict[str, Any]] = {
    'atto': dict(depths=(2, 2, 6, 2), dims=(40, 80, 160, 320), band_kernel_size=9,
                 branch_ratio=0.25),
    'tiny': dict(depths=(3, 3, 9, 3), dims=(96, 192, 384, 768), band_kernel_size=11,
                 branch_ratio=0.125),
    'small': dict(depths=(3, 3, 27, 3), dims=(96, 192, 384, 768), band_kernel_size=11,
                  branch_ratio=0.125),
    'base': dict(depths=(3, 3, 27, 3), dims=(128, 256, 512, 1024), band_kernel_size=11,
                 branch_ratio=0.125),
}
INCEPTIONNEXT_REQUIRED = ('depths', 'dims', 'band_kernel_size', 'branch_ratio')
INCEPTIONNEXT_OPTIONAL = dict(square_kernel_size=3, mlp_ratios=(4, 4, 4, 3))


def resolve_inceptionnext_arch(arch: Union[str, Mapping[str, Any]]) -> Dict[str, Any]:
    """Validate an InceptionNeXt ``arch`` name or dict; see :func:`~.base.resolve_arch`."""
    cfg = resolve_arch(arch, INCEPTIONNEXT_ARCHS, required=INCEPTIONNEXT_REQUIRED,
                       optional=INCEPTIONNEXT_OPTIONAL, family='InceptionNeXt')
    if len(cfg['mlp_ratios']) != 4:
        raise ValueError(f"InceptionNeXt arch field 'mlp_ratios' needs 4 values, got "
                         f"{tuple(cfg['mlp_ratios'])}.")
    for dim in cfg['dims']:
        if int(dim * cfg['branch_ratio']) < 1:
            raise ValueError(f"InceptionNeXt branch_ratio={cfg['branch_ratio']} leaves no "
                             f'channel for the conv branches at width {dim}; use a larger '
                             f'branch_ratio or wider dims.')
    return cfg


class InceptionDWConv2d(nn.Module):
    """Inception depthwise convolution: identity, square, horizontal and vertical band.

    Channels are split as ``(C - 3g, g, g, g)`` with ``g = int(C * branch_ratio)``
    in the released checkpoints' order (identity first), not the paper's
    Algorithm 1 order.

    Args:
        dim: Channels.
        square_kernel_size: Kernel of the square branch.
        band_kernel_size: Length of the band kernels.
        branch_ratio: Fraction of channels given to each conv branch.
    """

    def __init__(self, dim: int, square_kernel_size: int = 3, band_kernel_size: int = 11,
                 branch_ratio: float = 0.125) -> None:
        super().__init__()
        gc = int(dim * branch_ratio)
        self.dwconv_hw = nn.Conv2d(gc, gc, square_kernel_size, padding=square_kernel_size // 2,
                                   groups=gc)
        self.dwconv_w = nn.Conv2d(gc, gc, (1, band_kernel_size), padding=(0, band_kernel_size // 2),
                                  groups=gc)
        self.dwconv_h = nn.Conv2d(gc, gc, (band_kernel_size, 1), padding=(band_kernel_size // 2, 0),
                                  groups=gc)
        self.split_sizes = (dim - 3 * gc, gc, gc, gc)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x_id, x_hw, x_w, x_h = torch.split(x, self.split_sizes, dim=1)
        return torch.cat((x_id, self.dwconv_hw(x_hw), self.dwconv_w(x_w), self.dwconv_h(x_h)),
                         dim=1)


class MetaNeXtBlock(nn.Module):
    """``x + drop_path(gamma * mlp(norm(token_mixer(x))))`` with a 1x1-conv MLP.

    Args:
        dim: Channels.
        token_mixer: The token mixer module.
        norm_layer: Norm after the token mixer (BatchNorm in the paper).
        mlp_ratio: Hidden width of the MLP relative to ``dim``.
        layer_scale_init_value: Initial value of ``gamma``; ``None`` or 0 disables it.
        drop_path: Stochastic depth rate of the residual branch.
    """

    def __init__(self, dim: int, token_mixer: nn.Module, *, norm_layer: NormLayer,
                 mlp_ratio: float = 4.0, layer_scale_init_value: float | None = 1e-6,
                 drop_path: float = 0.0) -> None:
        super().__init__()
        self.token_mixer = token_mixer
        self.norm = norm_layer(dim)
        self.mlp = ConvMlp(dim, int(mlp_ratio * dim), act_layer=nn.GELU)
        if layer_scale_init_value:
            self.gamma = nn.Parameter(torch.full((dim, ), float(layer_scale_init_value)))
        else:
            self.gamma = None
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.mlp(self.norm(self.token_mixer(x)))
        if self.gamma is not None:
            y = y * self.gamma.reshape(1, -1, 1, 1)
        return x + self.drop_path(y)


class InceptionNeXtNet(StagedBackbone):
    """Headless InceptionNeXt returning multi-scale feature maps (strides 4..32).

    Args:
        arch: 'atto', 'tiny', 'small', 'base', or a dict with the fields
            ``depths``, ``dims``, ``band_kernel_size``, ``branch_ratio`` (and
            optionally ``square_kernel_size``, ``mlp_ratios``).
        in_channels: Input image channels.
        out_indices: Stages to return (negatives allowed).
        drop_path_rate: Peak stochastic depth rate, ramped linearly over blocks.
        layer_scale_init_value: Initial layer scale ``gamma``.
        norm_layer: Factory ``channels -> norm module`` for the stem, downsample
            and block norms (BatchNorm2d in the paper).
        out_norm_layer: Factory for a norm on each returned stage, or ``None``.
    """

    def __init__(self, arch: Union[str, Mapping[str, Any]] = 'tiny', *, in_channels: int = 3,
                 out_indices: Union[int, Sequence[int]] = (0, 1, 2, 3),
                 drop_path_rate: float = 0.0, layer_scale_init_value: float | None = 1e-6,
                 norm_layer: NormLayer = nn.BatchNorm2d,
                 out_norm_layer: NormLayer | None = None) -> None:
        super().__init__()
        cfg = resolve_inceptionnext_arch(arch)

        def block(i: int, drop_path: float) -> MetaNeXtBlock:
            mixer = InceptionDWConv2d(cfg['dims'][i], cfg['square_kernel_size'],
                                      cfg['band_kernel_size'], cfg['branch_ratio'])
            return MetaNeXtBlock(cfg['dims'][i], mixer, norm_layer=norm_layer,
                                 mlp_ratio=cfg['mlp_ratios'][i],
                                 layer_scale_init_value=layer_scale_init_value,
                                 drop_path=drop_path)

        self._build(cfg, block, in_channels=in_channels, drop_path_rate=drop_path_rate,
                    norm_layer=norm_layer, out_indices=out_indices, out_norm_layer=out_norm_layer)
