"""Parameter and multiply-accumulate counts, counted the way the papers count them.

MACs are taken from :class:`torch.utils.flop_counter.FlopCounterMode`, keeping only
convolutions and matrix products (which it reports as 2 FLOPs per MAC); norms,
activations, pooling and additions are left out, as in the InceptionNeXt and
ConvNeSt papers' tables. Plain torch only.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

#: aten ops counted as multiply-accumulates (convolutions and matrix products).
MAC_OPS = ('convolution', 'mm', 'addmm', 'bmm', 'baddbmm')


def count_params(model: nn.Module) -> int:
    """Return the number of parameters of ``model`` (trainable or not).

    Args:
        model: Any module.

    Returns:
        The total number of parameter elements.
    """
    return sum(p.numel() for p in model.parameters())


def count_macs(model: nn.Module, *inputs: Any) -> int:
    """Return the multiply-accumulates of one forward pass of ``model`` on ``inputs``.

    Args:
        model: Module to run (its train/eval mode is left unchanged; it runs
            under ``torch.no_grad``).
        *inputs: Positional arguments of ``model``.

    Returns:
        MACs of the convolutions and matrix products, summed over the batch.
    """
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model(*inputs)
    counts = counter.get_flop_counts()['Global']
    flops = sum(n for op, n in counts.items() if _op_name(op) in MAC_OPS)
    return flops // 2


def _op_name(op: Any) -> str:
    """``aten.convolution.default`` -> ``'convolution'``."""
    return str(op).split('.')[1] if str(op).startswith('aten.') else str(op)
