"""Export a network to ONNX and run it in ONNX Runtime on the CPU.

:func:`export_onnx` writes any module (a backbone, or a whole segmentor through
:class:`~.segmentor.SegmentorNetwork`) with torch's dynamo exporter, fixed or dynamic input
size (dynamic with the export-time forms of :mod:`.dynamic` for the layers that would fix
sizes while traced), and records metadata in the file; :class:`OnnxRuntimeModel` runs it and
returns torch tensors, so that it stands in for the module; :func:`compare_outputs` says how
close it is.
"""
from __future__ import annotations

import contextlib
import os
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from torch import nn

from ..models.torch_compat import MIN_TORCH_DEPLOY, require_torch
from .dynamic import symbolic_sizes

Outputs = Union[torch.Tensor, List[torch.Tensor]]


def _require_onnx():
    require_torch(MIN_TORCH_DEPLOY, 'ONNX export (torch.onnx.export with dynamo=True)')
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
        import onnxscript  # noqa: F401
    except ImportError as err:
        raise ImportError(f'{err.name} is missing: ONNX export and ONNX Runtime need the '
                          f'"deploy" extra: pip install "mmseg_inceptionnext[deploy]"') from err


def export_onnx(module: nn.Module, example: torch.Tensor, path: str, *, dynamic: bool = False,
                output_names: Optional[Sequence[str]] = None,
                metadata: Optional[Dict[str, str]] = None) -> str:
    """Write ``module`` (in eval mode) to ``path`` as ONNX.

    Args:
        module: The network; called with one NCHW float tensor.
        example: An input of the shape the graph takes (with ``dynamic``, any valid size).
        path: File to write.
        dynamic: Batch, height and width become dynamic dimensions; layers that would fix
            sizes while traced are exported in their symbolic forms
            (:func:`~.dynamic.symbolic_sizes`; ``module`` itself is unchanged afterwards).
        output_names: Names of the outputs (default ``output0..``).
        metadata: Strings stored in the file's ``metadata_props``.

    Returns:
        ``path``.

    Raises:
        DynamicShapeError: With ``dynamic``, if the exporter fixed the input's height or width
            anyway (some layer reads it as a Python number); ``path`` is not written then.
    """
    _require_onnx()
    import onnx
    if module.training:
        raise ValueError('Export a module in eval mode (call .eval() first): training-mode '
                         'BatchNorm and drop path do not belong in a deployed graph.')
    dynamic_shapes = None
    if dynamic:
        dims = {0: torch.export.Dim('batch', min=1, max=1024),
                2: torch.export.Dim.AUTO, 3: torch.export.Dim.AUTO}
        dynamic_shapes = ({0: dims[0], 2: dims[2], 3: dims[3]}, )
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    example = example.contiguous()
    forms = symbolic_sizes(module) if dynamic else contextlib.nullcontext()
    with torch.no_grad(), forms:
        program = torch.onnx.export(module, (example, ), None, input_names=['image'],
                                    output_names=list(output_names) if output_names else None,
                                    dynamo=True, dynamic_shapes=dynamic_shapes,
                                    optimize=True, verbose=False)
    if dynamic:
        _check_dynamic(program)
    program.save(path)
    if metadata:
        model = onnx.load(path)
        for key, value in metadata.items():
            entry = model.metadata_props.add()
            entry.key, entry.value = key, str(value)
        onnx.save(model, path)
    return path


class DynamicShapeError(RuntimeError):
    """A graph exported with dynamic shapes came out with a fixed input height or width."""


def _check_dynamic(program) -> None:
    """Raise :class:`DynamicShapeError` if the export fixed the input's height or width: the
    exporter keeps a size symbolic even when the code read it as a number (``int(x.shape[2])``,
    a branch on it), but narrows its range to the traced value."""
    exported = program.exported_program
    image = next(n for n in exported.graph.nodes if n.op == 'placeholder'
                 and n.name in exported.graph_signature.user_inputs)
    fixed = []
    for axis, dim in zip(('height', 'width'), image.meta['val'].shape[2:]):
        if isinstance(dim, torch.SymInt):
            bounds = exported.range_constraints.get(dim.node.expr)
            if bounds is None or bounds.lower != bounds.upper:
                continue
        fixed.append(axis)
    if fixed:
        raise DynamicShapeError(
            f'The exporter fixed the input {" and ".join(fixed)} at the traced size although '
            f'dynamic shapes were asked for: some layer reads the size as a Python number '
            f'while traced.')


class OnnxRuntimeModel:
    """An ONNX file in an ONNX Runtime CPU session, called like the module it came from.

    Args:
        path: The ONNX file.
        threads: Intra-op threads (default: torch's thread count, so that the two runtimes
            are compared on the same cores).
    """

    def __init__(self, path: str, threads: Optional[int] = None) -> None:
        _require_onnx()
        import onnxruntime as ort
        if not os.path.isfile(path):
            raise FileNotFoundError(f'ONNX file {path!r} does not exist; write one with '
                                    f'`python -m mmseg_inceptionnext export`.')
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or torch.get_num_threads()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.path = path
        self.session = ort.InferenceSession(path, options, providers=['CPUExecutionProvider'])
        self.input = self.session.get_inputs()[0]
        self.metadata = dict(self.session.get_modelmeta().custom_metadata_map)

    @property
    def input_shape(self) -> List[Union[int, str]]:
        """The input's shape; names or ``None`` for dynamic dimensions."""
        return list(self.input.shape)

    def run_numpy(self, x: np.ndarray) -> List[np.ndarray]:
        return self.session.run(None, {self.input.name: np.ascontiguousarray(x, np.float32)})

    def __call__(self, x: torch.Tensor) -> Outputs:
        outs = [torch.from_numpy(o) for o in self.run_numpy(x.detach().cpu().float().numpy())]
        return outs[0] if len(outs) == 1 else outs


def compare_outputs(expected: Outputs, got: Outputs, logits: bool = False) -> Dict[str, float]:
    """How far ``got`` is from ``expected`` (single tensors or matching lists).

    Returns:
        ``max_abs``: largest absolute difference; ``max_rel``: that over the largest
        magnitude of the reference, worst output; ``cosine``: the lowest cosine similarity of
        an output (flattened per sample); with ``logits`` (one N x K x H x W output),
        ``argmax_agreement``: the share of pixels whose arg-max over the K classes agrees.
    """
    exp = [expected] if torch.is_tensor(expected) else list(expected)
    out = [got] if torch.is_tensor(got) else list(got)
    if len(exp) != len(out):
        raise ValueError(f'{len(out)} outputs against {len(exp)} expected.')
    report = dict(max_abs=0.0, max_rel=0.0, cosine=1.0)
    for e, g in zip(exp, out):
        e, g = e.float(), g.float()
        if e.shape != g.shape:
            raise ValueError(f'Output shape {tuple(g.shape)} differs from {tuple(e.shape)}.')
        diff = float((e - g).abs().max())
        report['max_abs'] = max(report['max_abs'], diff)
        report['max_rel'] = max(report['max_rel'], diff / max(float(e.abs().max()), 1e-12))
        cos = torch.nn.functional.cosine_similarity(e.flatten(1), g.flatten(1), dim=1)
        report['cosine'] = min(report['cosine'], float(cos.min()))
    if logits:
        if len(exp) != 1 or exp[0].dim() != 4:
            raise ValueError('logits=True compares one N x K x H x W output.')
        report['argmax_agreement'] = float(
            (exp[0].argmax(1) == out[0].argmax(1)).float().mean())
    return report
