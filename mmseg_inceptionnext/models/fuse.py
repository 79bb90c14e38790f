"""Inference-time folding of InceptionNeXt's BatchNorms and layer scales into convolutions.

InceptionNeXt (Yu et al., CVPR 2024) uses BatchNorm everywhere, so in eval mode every
norm is an affine map ``a * x + b`` per channel that can be merged into a neighbouring
convolution:

* stem ``conv -> BN``: the BN scales the conv's output channels (exact for any size,
  as the stem pads its *input*);
* downsample ``BN -> PadConv2d``: the BN scales the conv's input channels. The conv
  zero-pads odd inputs *after* the BN, so the folded conv (:class:`FoldedPadConv2d`)
  pads with the per-channel value ``-b / a`` that the BN maps to zero, which keeps it
  exact for odd sizes too;
* block ``token_mixer -> BN -> fc1``: the BN scales fc1's input channels;
* block ``fc2 -> * gamma``: the layer scale scales fc2's output channels.

:func:`fuse_for_inference` does all four in place on :class:`~.inceptionnext.InceptionNeXtNet`
and on the OpenMMLab ``InceptionNeXt`` (same module names). Folded norms become
``nn.Identity``; the optional per-stage output norms ``norm{i}`` are kept. A fused model
is for inference only: it refuses to be fused in train mode and refuses a second fusion
(a second call would fold nothing but could silently hide a model that was trained after
fusing). :func:`to_channels_last` converts weights and is the other measured lever (see
``docs/benchmarks.md``). Plain torch only.
"""
from __future__ import annotations

from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from .base import PadConv2d
from .inceptionnext import InceptionNeXtNet
from .torch_compat import MIN_TORCH_DEPLOY, require_torch

#: Attribute set on a model once :func:`fuse_for_inference` has run.
FUSED_FLAG = 'is_fused_for_inference'


def bn_affine(bn: _BatchNorm) -> Tuple[torch.Tensor, torch.Tensor]:
    """Return ``(a, b)`` such that ``bn(x) == a * x + b`` per channel in eval mode.

    Args:
        bn: A BatchNorm (``BatchNorm2d``, ``SyncBatchNorm``, ...) with running statistics.

    Returns:
        Scale and shift, each of shape ``(C,)``, in the BN statistics' dtype.
    """
    if bn.running_mean is None or bn.running_var is None:
        raise ValueError(f'{type(bn).__name__} has no running statistics '
                         f'(track_running_stats=False) and cannot be folded.')
    a = torch.rsqrt(bn.running_var + bn.eps)
    if bn.weight is not None:
        a = a * bn.weight
    b = -bn.running_mean * a
    if bn.bias is not None:
        b = b + bn.bias
    return a, b


class FoldedPadConv2d(PadConv2d):
    """``PadConv2d(BN(x))`` with the BN folded in: pads odd inputs with ``pad_value``.

    The original pads the *normalised* input with zeros; here the raw input is padded
    with the per-channel ``pad_value = -b / a`` that the folded BN would map to zero.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.register_buffer('pad_value', torch.zeros(self.in_channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        sh, sw = self.stride
        h, w = x.shape[-2:]
        pad_h, pad_w = -h % sh, -w % sw
        if pad_h or pad_w:
            x = F.pad(x, (0, pad_w, 0, pad_h))
            value = self.pad_value.to(x.dtype).view(1, -1, 1, 1)
            x[..., h:, :] = value
            x[..., :h, w:] = value
        return self._conv_forward(x, self.weight, self.bias)


def _fold_stem(stem: nn.Sequential) -> None:
    conv, bn = stem[0], stem[1]
    if not isinstance(bn, _BatchNorm):
        return
    a, b = bn_affine(bn)
    conv.weight.mul_(a.view(-1, 1, 1, 1))
    bias = conv.bias if conv.bias is not None else torch.zeros_like(a)
    conv.bias = nn.Parameter(bias * a + b)
    stem[1] = nn.Identity()


def _fold_downsample(down: nn.Sequential) -> None:
    if not isinstance(down, nn.Sequential) or not isinstance(down[0], _BatchNorm):
        return
    bn, conv = down[0], down[1]
    a, b = bn_affine(bn)
    if bool((a == 0).any()):
        return  # -b / a undefined: keep this (rare) downsample unfused, still exact
    folded = FoldedPadConv2d(conv.in_channels, conv.out_channels, conv.kernel_size,
                             stride=conv.stride, bias=True).to(conv.weight)
    folded.weight.copy_(conv.weight * a.view(1, -1, 1, 1))
    bias = conv.bias if conv.bias is not None else torch.zeros(conv.out_channels).to(a)
    folded.bias.copy_(bias + (conv.weight * b.view(1, -1, 1, 1)).sum(dim=(1, 2, 3)))
    folded.pad_value.copy_(-b / a)
    down[0], down[1] = nn.Identity(), folded


def _fold_block(block: nn.Module) -> None:
    fc1, fc2 = block.mlp.fc1, block.mlp.fc2
    if isinstance(block.norm, _BatchNorm):
        a, b = bn_affine(block.norm)
        w = fc1.weight.flatten(1)  # (hidden, C) for a 1x1 conv
        fc1.bias.add_(w @ b)
        fc1.weight.mul_(a.view(1, -1, 1, 1))
        block.norm = nn.Identity()
    if block.gamma is not None:
        gamma = block.gamma.detach()
        fc2.weight.mul_(gamma.view(-1, 1, 1, 1))
        fc2.bias.mul_(gamma)
        block.gamma = None


@torch.no_grad()
def fuse_for_inference(model: nn.Module) -> nn.Module:
    """Fold every BatchNorm and layer scale of an InceptionNeXt into its convolutions.

    Outputs stay equal to the unfused model's in eval mode (to float rounding), for any
    input size. Folded BNs are replaced by ``nn.Identity``; output norms ``norm{i}``
    stay. Non-BN norms (e.g. a LayerNorm ``norm_cfg``) are left in place.

    Args:
        model: An :class:`~.inceptionnext.InceptionNeXtNet` or OpenMMLab ``InceptionNeXt``
            in eval mode.

    Returns:
        The same model object, modified in place (for chaining).

    Raises:
        RuntimeError: If the model is in training mode or was already fused.
        TypeError: If the model has no ``stem``/``stages`` of MetaNeXt blocks.
    """
    if getattr(model, FUSED_FLAG, False):
        raise RuntimeError(f'{type(model).__name__} is already fused for inference; '
                           f'fuse a fresh (unfused) model instead.')
    if model.training:
        raise RuntimeError(f'{type(model).__name__} is in training mode: BatchNorm uses '
                           f'batch statistics there and cannot be folded. Call model.eval() '
                           f'before fuse_for_inference(model).')
    if not isinstance(model, InceptionNeXtNet):
        raise TypeError(f'fuse_for_inference expects an InceptionNeXt backbone '
                        f'(InceptionNeXtNet or the registered InceptionNeXt), got '
                        f'{type(model).__name__}.')
    _fold_stem(model.stem)
    for stage in model.stages:
        _fold_downsample(stage.downsample)
        for block in stage.blocks:
            _fold_block(block)
    setattr(model, FUSED_FLAG, True)
    return model


def to_channels_last(model: nn.Module) -> nn.Module:
    """Store the model's 4-D weights channels-last (NHWC), in place.

    Feed it inputs converted with ``x.contiguous(memory_format=torch.channels_last)``;
    every layer of the backbone then keeps that layout, which makes the 1x1
    convolutions of the MLP markedly faster on CPU (see ``docs/benchmarks.md``).

    Args:
        model: Any module.

    Returns:
        The same model object.
    """
    return model.to(memory_format=torch.channels_last)


def compile_for_inference(model: nn.Module, *, channels_last: bool = True,
                          dynamic: Optional[bool] = False) -> nn.Module:
    """Compile an eval-mode model with TorchInductor's *freezing* for fast inference.

    Freezing treats the weights as constants: Inductor folds BatchNorms into their
    convolutions, pre-packs the convolution weights for oneDNN on CPU and fuses
    pointwise ops (GELU, residual adds) into the convolutions. On our 2-core CPU this
    is the lever that roughly doubles inference throughput (``docs/benchmarks.md``);
    outputs match the eager model to float rounding. Works for any model (ours, timm's,
    a whole segmentor's ``_forward``); :func:`fuse_for_inference` beforehand is optional.

    Run the result under ``torch.inference_mode()`` (or ``torch.no_grad()``): freezing
    only applies without autograd. The first call per input shape compiles (tens of
    seconds on CPU); weights changed after the first call are *not* seen, so compile
    again after loading other weights.

    Args:
        model: A module in eval mode.
        channels_last: Convert the weights to channels-last first (:func:`to_channels_last`);
            feed channels-last inputs for the best speed.
        dynamic: ``torch.compile``'s ``dynamic``; ``False`` (default) specialises on each
            input shape, the fastest for a fixed test resolution.

    Returns:
        The compiled module (``torch.compile``'s wrapper around ``model``).

    Raises:
        RuntimeError: If the model is in training mode.
    """
    require_torch(MIN_TORCH_DEPLOY, 'compile_for_inference (torch.compile with Inductor freezing)')
    if model.training:
        raise RuntimeError(f'{type(model).__name__} is in training mode; compile_for_inference '
                           f'freezes eval-mode weights and statistics. Call model.eval() first.')
    if channels_last:
        to_channels_last(model)
    return torch.compile(model, dynamic=dynamic, options={'freezing': True})
