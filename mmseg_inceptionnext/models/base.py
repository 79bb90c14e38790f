"""What every four-stage ConvNet backbone of this package shares.

InceptionNeXt (Yu et al., CVPR 2024) and ConvNeSt are both "stem + four stages"
networks in the ConvNeXt mould: a stride-4 patchify stem, then four stages of
which stages 1..3 open with a norm + 2x2 stride-2 convolution. Only the block and
the norms differ. This module holds the parts they share, in plain torch:

* argument resolution (``arch`` tables, ``out_indices``, the drop-path ramp),
* :class:`PadConv2d`, a patchify convolution that pads odd inputs,
* :class:`Stage` (downsample + blocks, with optional activation checkpointing),
* :class:`OutputNorms`, ``out_indices`` and the output norms ``norm{i}`` (also used by
  the OpenMMLab ``TimmConvNeXt``),
* :class:`StagedBackbone`, which builds the stem, stages and output norms around a
  family's block, and their forward pass.

Nothing here imports mmcv, mmengine, mmseg or mmdet (timm.layers only).
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Mapping, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
import torch.utils.checkpoint as cp
from timm.layers import trunc_normal_
from torch import nn

from .checkpoint import CheckpointFormat
from .torch_compat import is_compiling

NUM_STAGES = 4
NormLayer = Callable[[int], nn.Module]
#: ``(stage index, drop-path rate) -> block``, what :meth:`StagedBackbone._build` calls per block.
BlockFactory = Callable[[int, float], nn.Module]


def resolve_arch(arch: Union[str, Mapping[str, Any]], table: Mapping[str, Mapping[str, Any]],
                 *, required: Sequence[str], optional: Mapping[str, Any],
                 family: str) -> Dict[str, Any]:
    """Turn an ``arch`` name or dict into a complete, validated dict of settings.

    Args:
        arch: A key of ``table`` (or an alias listed there) or a dict of settings.
        table: Known variants, name -> settings.
        required: Fields an ``arch`` dict must give.
        optional: Fields with their defaults.
        family: Model family name used in error messages.

    Returns:
        A new dict holding every required and optional field.

    Raises:
        ValueError: For an unknown name, a missing or an unknown field, or
            per-stage fields whose length is not 4.
    """
    if isinstance(arch, str):
        key = arch.lower()
        if key not in table:
            raise ValueError(f'Unknown {family} arch {arch!r}. Valid names: '
                             f'{sorted(table)}, or a dict with the fields '
                             f'{list(required)} (optional: {list(optional)}).')
        arch = table[key]
    elif not isinstance(arch, Mapping):
        raise TypeError(f'{family} arch must be a name or a dict, got {type(arch).__name__}.')
    missing = [k for k in required if k not in arch]
    if missing:
        raise ValueError(f'{family} arch dict is missing the field(s) {missing}; an arch '
                         f'dict needs {list(required)} (optional: {list(optional)}).')
    unknown = sorted(set(arch) - set(required) - set(optional))
    if unknown:
        raise ValueError(f'{family} arch dict has unknown field(s) {unknown}; valid fields '
                         f'are {list(required) + list(optional)}.')
    out = {**optional, **arch}
    for key in ('depths', 'dims'):
        if len(out[key]) != NUM_STAGES:
            raise ValueError(f'{family} arch field {key!r} needs {NUM_STAGES} values, one '
                             f'per stage, got {tuple(out[key])}.')
        out[key] = tuple(int(v) for v in out[key])
    return out


def resolve_out_indices(out_indices: Union[int, Sequence[int]],
                        num_stages: int = NUM_STAGES) -> Tuple[int, ...]:
    """Resolve stage indices (negatives count from the end) into a sorted tuple.

    Args:
        out_indices: One index or a sequence of them, each in
            ``[-num_stages, num_stages)``.
        num_stages: Number of stages.

    Returns:
        A new sorted tuple of non-negative, unique indices.

    Raises:
        ValueError: For an empty sequence, a duplicate or an index out of range.
    """
    if isinstance(out_indices, int):
        out_indices = (out_indices, )
    resolved = []
    for idx in out_indices:
        if not isinstance(idx, int) or not -num_stages <= idx < num_stages:
            raise ValueError(f'out_indices entry {idx!r} is out of range: each index must be '
                             f'an int in [{-num_stages}, {num_stages - 1}] '
                             f'(stages 0..{num_stages - 1}, negatives count from the end).')
        resolved.append(idx % num_stages)
    if not resolved or len(set(resolved)) != len(resolved):
        raise ValueError(f'out_indices must name each stage at most once and at least one '
                         f'stage, got {tuple(out_indices)}.')
    return tuple(sorted(resolved))


def drop_path_rates(depths: Sequence[int], drop_path_rate: float) -> List[List[float]]:
    """One linear ramp from 0 to ``drop_path_rate`` over all blocks, split by stage.

    Args:
        depths: Blocks per stage.
        drop_path_rate: Rate of the last block.

    Returns:
        Per-stage lists of per-block rates.
    """
    if not 0.0 <= drop_path_rate < 1.0:
        raise ValueError(f'drop_path_rate must be in [0, 1), got {drop_path_rate}.')
    rates = torch.linspace(0, drop_path_rate, sum(depths)).tolist()
    out, start = [], 0
    for depth in depths:
        out.append(rates[start:start + depth])
        start += depth
    return out


def trunc_normal_init(m: nn.Module) -> None:
    """The official initialisation (use with ``module.apply``): truncated normal
    (std 0.02) conv and linear weights, zero biases."""
    if isinstance(m, (nn.Conv2d, nn.Linear)):
        trunc_normal_(m.weight, std=0.02)
        if m.bias is not None:
            nn.init.zeros_(m.bias)


def check_image_batch(x: torch.Tensor, in_channels: int, owner: str) -> None:
    """Raise a ValueError naming the problem if ``x`` is not an NCHW batch of
    ``in_channels``-channel images (every backbone of this package checks its input so)."""
    if not isinstance(x, torch.Tensor) or x.dim() != 4:
        shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise ValueError(f'{owner} expects a 4-D NCHW tensor, got {shape}; '
                         f'add a batch dimension with x[None] for a single image.')
    if x.shape[1] != in_channels:
        raise ValueError(f'{owner} was built with in_channels='
                         f'{in_channels} but the input has {x.shape[1]} channels '
                         f'(shape {tuple(x.shape)}); pass in_channels={x.shape[1]} or '
                         f'feed {in_channels}-channel images.')
    if x.shape[2] == 0 or x.shape[3] == 0:
        raise ValueError(f'{owner} got an empty image of shape {tuple(x.shape)}.')


class PadConv2d(nn.Conv2d):
    """A patchify convolution (kernel == stride, no padding) that accepts any size.

    Inputs whose height or width is not a multiple of the stride are padded with
    zeros on the bottom and right, so outputs have ``ceil(size / stride)`` pixels.
    For sizes that are multiples of the stride it is exactly ``nn.Conv2d``, which
    is what the released weights were trained with.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        sh, sw = self.stride
        pad_h, pad_w = -x.shape[-2] % sh, -x.shape[-1] % sw
        # Traced (torch.export, ONNX, torch.compile), the pad is always in the graph: a
        # branch on the size would fix the graph to the example's size.
        if pad_h or pad_w or is_compiling():
            x = F.pad(x, (0, pad_w, 0, pad_h))
        return super().forward(x)


class Stage(nn.Module):
    """An optional downsample (norm + 2x2 stride-2 conv) followed by blocks.

    Module names match the released checkpoints: ``downsample.0`` (norm),
    ``downsample.1`` (conv), ``blocks.{j}``.

    Args:
        in_chs: Input channels.
        out_chs: Output channels.
        blocks: The stage's blocks, each mapping ``out_chs`` to ``out_chs``.
        downsample: Whether the stage opens with a downsample.
        norm_layer: Norm of the downsample.
    """

    def __init__(self, in_chs: int, out_chs: int, blocks: Sequence[nn.Module], *,
                 downsample: bool, norm_layer: NormLayer) -> None:
        super().__init__()
        if downsample:
            self.downsample = nn.Sequential(norm_layer(in_chs),
                                            PadConv2d(in_chs, out_chs, kernel_size=2, stride=2))
        else:
            self.downsample = nn.Identity()
        self.blocks = nn.Sequential(*blocks)
        self.grad_checkpointing = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.downsample(x)
        if self.grad_checkpointing and torch.is_grad_enabled():
            for block in self.blocks:
                x = cp.checkpoint(block, x, use_reentrant=False)
            return x
        return self.blocks(x)


class OutputNorms:
    """``out_indices`` and the optional norm ``norm{i}`` on each returned stage: the one way
    every backbone of this package (an ``nn.Module`` with ``dims``) sets up its outputs.

    Call :meth:`_init_outputs` in ``__init__`` once the stages exist, and pass the stage
    outputs through :meth:`_norm_outputs` in ``forward``.
    """

    dims: Tuple[int, ...]
    out_indices: Tuple[int, ...]
    has_out_norms: bool = False

    def _init_outputs(self, out_indices: Union[int, Sequence[int]],
                      out_norm_layer: NormLayer | None) -> None:
        """Set ``out_indices`` and add a norm ``norm{i}`` for each returned stage."""
        self.out_indices = resolve_out_indices(out_indices)
        self.has_out_norms = out_norm_layer is not None
        if out_norm_layer is not None:
            for i in self.out_indices:
                self.add_module(f'norm{i}', out_norm_layer(self.dims[i]))

    def _norm_outputs(self, feats: Sequence[torch.Tensor]) -> Tuple[torch.Tensor, ...]:
        """The outputs of the stages in ``out_indices``, through their norms if any."""
        if not self.has_out_norms:
            return tuple(feats)
        return tuple(getattr(self, f'norm{i}')(f) for i, f in zip(self.out_indices, feats))

    @property
    def out_channels(self) -> List[int]:
        """Channels of the returned maps, in order (what a neck's ``in_channels`` must be)."""
        return [self.dims[i] for i in self.out_indices]

    def out_norm_prefixes(self) -> Tuple[str, ...]:
        """Key prefixes of the output norms, which classification checkpoints never hold."""
        return tuple(f'norm{i}.' for i in self.out_indices) if self.has_out_norms else ()


class StagedBackbone(OutputNorms, nn.Module):
    """Stem + four :class:`Stage` s, returning the chosen stage outputs.

    Subclasses resolve their variant table and pass it, with their block, to :meth:`_build`,
    which builds ``stem``, ``stages`` and the output norms. Returned maps have strides 4, 8,
    16 and 32. Checkpoints hold the same key names, so :meth:`checkpoint_format` converts
    nothing.
    """

    in_channels: int

    def _build(self, cfg: Mapping[str, Any], make_block: BlockFactory, *, in_channels: int,
               drop_path_rate: float, norm_layer: NormLayer,
               out_indices: Union[int, Sequence[int]], out_norm_layer: NormLayer | None) -> None:
        """Build the stem, the four stages and the output norms, then initialise the weights.

        The stem is a 4x4 stride-4 :class:`PadConv2d` and a norm (``stem.0``, ``stem.1``);
        stage ``i`` is a :class:`Stage` of ``depths[i]`` blocks, opening with a downsample
        for ``i > 0``.

        Args:
            cfg: A resolved ``arch`` (``depths``, ``dims`` and the family's own fields).
            make_block: ``(stage index, drop-path rate) -> block`` of ``dims[i]`` channels.
            in_channels: Input image channels.
            drop_path_rate: Peak stochastic depth rate, ramped linearly over all blocks.
            norm_layer: Norm of the stem and the downsamples.
            out_indices: Stages to return (negatives allowed).
            out_norm_layer: Factory for a norm on each returned stage, or ``None``.
        """
        self.arch = cfg
        self.in_channels = in_channels
        self.dims: Tuple[int, ...] = cfg['dims']
        dims, depths = cfg['dims'], cfg['depths']
        self.stem = nn.Sequential(PadConv2d(in_channels, dims[0], kernel_size=4, stride=4),
                                  norm_layer(dims[0]))
        rates = drop_path_rates(depths, drop_path_rate)
        self.stages = nn.Sequential(*(
            Stage(dims[i - 1] if i else dims[0], dims[i], [make_block(i, r) for r in rates[i]],
                  downsample=i > 0, norm_layer=norm_layer)
            for i in range(len(depths))))
        self._init_outputs(out_indices, out_norm_layer)
        self.apply(trunc_normal_init)

    def stage_modules(self) -> List[nn.Module]:
        """The stem, then the stages (the :class:`~.contract.Backbone` contract)."""
        return [self.stem, *self.stages]

    def set_grad_checkpointing(self, enable: bool = True) -> None:
        """Recompute each block's activations in the backward pass to save memory."""
        for stage in self.stages:
            stage.grad_checkpointing = enable

    def checkpoint_format(self) -> CheckpointFormat:
        """How :func:`~.checkpoint.load_backbone_weights` reads checkpoints into this model:
        keys as they are, the output norms optional."""
        return CheckpointFormat(optional_prefixes=self.out_norm_prefixes())

    def check_input(self, x: torch.Tensor) -> None:
        """Raise a ValueError naming the problem if ``x`` is not an NCHW image batch."""
        check_image_batch(x, self.in_channels, type(self).__name__)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """Return the outputs of the stages in ``out_indices``, in stage order."""
        self.check_input(x)
        x = self.stem(x)
        outs = []
        for i, stage in enumerate(self.stages):
            x = stage(x)
            if i in self.out_indices:
                outs.append(x)
        return self._norm_outputs(outs)
