"""Export-time forms of the layers whose traced graph keeps the size it was traced at, so
that one ONNX graph of a whole segmentor is exact at every input size.

Traced by ``torch.export`` with a symbolic height and width, two layers of MMSegmentation's
heads leave trace-time sizes in the graph:

* ``nn.AdaptiveAvgPool2d`` (UperNet's pyramid pooling module, 1, 2, 3 and 6 bins): its
  decomposition chooses between an average pooling and a gather by whether the traced size
  divides by the bin count, and takes kernel sizes and gather indices from that size. Elsewhere
  the graph averages the wrong pixels, or ONNX Runtime fails (``GatherND ... invalid index``).
* mmseg's ``Upsample`` with a scale factor (the Semantic FPN head's ``scale_heads``): its
  ``int(size * scale)`` turns the symbolic size into the traced number.

The forms here compute the same numbers from sizes that stay symbolic. :func:`symbolic_sizes`
swaps them in for the duration of an export and puts the originals back, so the model people
train and run in PyTorch is never changed.
"""
from __future__ import annotations

import contextlib
import sys
from typing import Iterator, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from torch import nn

Size = Union[int, None, Sequence[Optional[int]]]


def bin_masks(size, bins, like: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """Which of ``size`` pixels each of ``bins`` adaptive-pooling bins covers, with PyTorch's
    rule: bin ``i`` spans ``floor(i * size / bins)`` to ``ceil((i + 1) * size / bins)``
    (exclusive), so bins overlap where ``size`` does not divide by ``bins``.

    Args:
        size: Pixels along the side (an int, or a symbolic size while traced).
        bins: Output bins along the side.
        like: A tensor whose dtype and device the masks take.

    Returns:
        ``bins x size`` 0/1 mask and the ``bins`` pixel counts, both of ``like``'s dtype.
    """
    index = torch.arange(bins, device=like.device)
    start = torch.div(index * size, bins, rounding_mode='floor')
    end = torch.div((index + 1) * size + bins - 1, bins, rounding_mode='floor')
    pixel = torch.arange(size, device=like.device)
    inside = (pixel[None] >= start[:, None]) & (pixel[None] < end[:, None])
    return inside.to(like.dtype), (end - start).to(like.dtype)


class SymbolicAdaptiveAvgPool2d(nn.Module):
    """``nn.AdaptiveAvgPool2d`` as two products with 0/1 bin masks, divided by the bin
    areas: the same bins and the same averages at every input size, with no size fixed while
    traced.

    Args:
        output_size: As ``nn.AdaptiveAvgPool2d``'s: an int, or (H, W) where ``None`` keeps
            the input's size.
    """

    def __init__(self, output_size: Size) -> None:
        super().__init__()
        if output_size is None or isinstance(output_size, int):
            output_size = (output_size, output_size)
        self.output_size = tuple(output_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        height, width = x.shape[-2:]
        bins_h, bins_w = (size if bins is None else bins
                          for size, bins in zip((height, width), self.output_size))
        rows, row_counts = bin_masks(height, bins_h, x)
        cols, col_counts = bin_masks(width, bins_w, x)
        sums = rows @ x @ cols.transpose(0, 1)
        return sums / (row_counts[:, None] * col_counts[None, :])


def scaled_size(size, scale: float):
    """``int(size * scale)`` (what mmseg's ``Upsample`` computes) without turning a symbolic
    size into a number: an integral scale multiplies, any other is truncated symbolically."""
    if float(scale).is_integer():
        return size * int(scale)
    return torch.sym_int(size * float(scale))


class SymbolicUpsample(nn.Module):
    """mmseg's ``Upsample`` by a scale factor, with the target size computed symbolically.

    Args:
        upsample: The ``mmseg.models.utils.Upsample`` to stand in for (one with a
            ``scale_factor``; one with a fixed ``size`` needs no export-time form).
    """

    def __init__(self, upsample: nn.Module) -> None:
        super().__init__()
        self.scale_factor, self.mode = float(upsample.scale_factor), upsample.mode
        self.align_corners = upsample.align_corners

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        size = [scaled_size(n, self.scale_factor) for n in x.shape[-2:]]
        return F.interpolate(x, size, None, self.mode, self.align_corners)


def _mmseg_upsample() -> Optional[type]:
    """mmseg's ``Upsample`` class if mmseg is loaded (a model holding one has loaded it; a
    backbone export does not pay for importing mmseg)."""
    wrappers = sys.modules.get('mmseg.models.utils.wrappers')
    return getattr(wrappers, 'Upsample', None)


def export_form(module: nn.Module) -> Optional[nn.Module]:
    """The export-time form of ``module``, or ``None`` if its traced graph needs none."""
    if isinstance(module, nn.AdaptiveAvgPool2d):
        return SymbolicAdaptiveAvgPool2d(module.output_size)
    upsample = _mmseg_upsample()
    if upsample is not None and isinstance(module, upsample) and not module.size:
        return SymbolicUpsample(module)
    return None


@contextlib.contextmanager
def symbolic_sizes(network: nn.Module) -> Iterator[List[str]]:
    """Within the block, the layers of ``network`` that would fix sizes while traced are
    replaced by their export-time forms (:func:`export_form`); on leaving, even by an error,
    the original layers are back.

    Args:
        network: The module about to be exported (changed in place while the block runs).

    Yields:
        The qualified names of the replaced layers.
    """
    swaps = []
    for parent_name, parent in network.named_modules():
        for name, child in parent.named_children():
            form = export_form(child)
            if form is not None:
                swaps.append((parent, name, child, form.train(child.training),
                              f'{parent_name}.{name}' if parent_name else name))
    try:
        for parent, name, _, form, _ in swaps:
            setattr(parent, name, form)
        yield [qualified for *_, qualified in swaps]
    finally:
        for parent, name, child, _, _ in swaps:
            setattr(parent, name, child)
