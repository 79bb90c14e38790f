"""What differs between the torch versions this package supports (2.1 to today's).

The core (backbones, weight loading, training, testing, inference) runs on every supported
torch; these helpers give it one spelling of what older releases spell differently. Features
that exist only in newer releases (the dynamo ONNX exporter, ``torch.compile`` forms) call
:func:`require_torch` first, so an older torch refuses them with the version they need
instead of failing on a missing attribute.
"""
from __future__ import annotations

import math
import re
from typing import Iterable, Tuple

import torch

#: The oldest torch whose dynamo ONNX exporter, ``torch.export.Dim.AUTO`` and Inductor freezing
#: this package's deployment and benchmark forms are tested with.
MIN_TORCH_DEPLOY = (2, 6)


def torch_version() -> Tuple[int, int]:
    """``(major, minor)`` of the running torch (``'2.1.2+cu121'`` -> ``(2, 1)``)."""
    found = re.match(r'(\d+)\.(\d+)', torch.__version__)
    return (int(found.group(1)), int(found.group(2))) if found else (0, 0)


def require_torch(minimum: Tuple[int, int], feature: str) -> None:
    """Refuse ``feature`` on a torch older than ``minimum``.

    Raises:
        RuntimeError: Naming the feature, the version it needs and the one installed.
    """
    if torch_version() < minimum:
        need = '.'.join(map(str, minimum))
        raise RuntimeError(f'{feature} needs torch >= {need}; this environment has torch '
                           f'{torch.__version__}. Upgrade torch (pip install "torch>={need}"), or '
                           f'use a form that runs on it (eager PyTorch, fused weights).')


def is_compiling() -> bool:
    """Whether the code runs inside a ``torch.compile`` / ``torch.export`` trace
    (``torch.compiler.is_compiling`` from torch 2.3, ``torch._dynamo.is_compiling`` before)."""
    compiler = getattr(torch, 'compiler', None)
    if compiler is not None and hasattr(compiler, 'is_compiling'):
        return compiler.is_compiling()
    from torch import _dynamo
    return _dynamo.is_compiling()


def max_abs(tensors: Iterable[torch.Tensor]) -> torch.Tensor:
    """The largest absolute value over ``tensors`` (their inf-norm; NaN if any holds NaN):
    ``torch.nn.utils.get_total_norm(tensors, inf)`` of torch >= 2.6, on every torch."""
    norms = [torch.linalg.vector_norm(t.detach(), math.inf) for t in tensors]
    return torch.stack(norms).max() if norms else torch.tensor(0.0)
