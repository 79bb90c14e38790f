"""Backbones side by side: our InceptionNeXt (unfused, fused for inference, channels-last,
compiled, in ONNX Runtime at fp32 and int8) against timm's InceptionNeXt, ConvNeXt and
ResNet-50 and our ConvNeSt, in one process (:func:`run_benchmark`).

Measured per model and mode: training (forward + backward of the sum of the means of the
returned feature maps + an AdamW step) and inference (forward in eval mode under
``torch.inference_mode``) in img/s; the multiply-accumulates per second inference reaches;
peak memory (see :mod:`.timing`). timm models run ``forward_features`` (headless backbones).
"""
from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch
from torch import nn

from ..models import ConvNeStNet, InceptionNeXtNet, count_macs
from ..models.fuse import compile_for_inference
from ..models.torch_compat import MIN_TORCH_DEPLOY, require_torch
from .timing import (
    MODES,
    ForwardAs,
    Result,
    StepRunner,
    check_amp,
    child_peak_rss_mib,
    onnxruntime_step,
    set_ratios,
    time_interleaved,
    warm_up_runner,
)


@dataclass(frozen=True)
class ModelSpec:
    """How to build one benchmarked model.

    Args:
        build: Zero-argument factory returning the module (random weights).
        channels_last: Convert weights and inputs to channels-last (NHWC).
        fused: Fold BN and layer scale (:func:`fuse_for_inference`); inference only.
        timm_features: Call ``forward_features`` (timm classifiers) instead of ``forward``.
        compiled: ``torch.compile`` the model: for inference with TorchInductor's freezing
            (:func:`compile_for_inference`), for training with the default options.
        runtime: 'torch', or 'onnxruntime' (exported with :func:`~mmseg_inceptionnext.deploy.
            to_onnxruntime`; inference only).
        int8: With ``runtime='onnxruntime'``: statically quantized to int8, calibrated on
            real photographs (:func:`~mmseg_inceptionnext.deploy.calibration_images`).
    """

    build: Callable[[], nn.Module]
    channels_last: bool = False
    fused: bool = False
    timm_features: bool = False
    compiled: bool = False
    runtime: str = 'torch'
    int8: bool = False

    @property
    def inference_only(self) -> bool:
        return self.fused or self.runtime != 'torch'


def _timm(name: str) -> Callable[[], nn.Module]:
    def build() -> nn.Module:
        import timm
        return timm.create_model(name, pretrained=False)
    return build


def _ours_inceptionnext() -> nn.Module:
    return InceptionNeXtNet('tiny')


def _ours_convnest() -> nn.Module:
    return ConvNeStNet('tiny')


_TIMM_INCEPTIONNEXT, _TIMM_CONVNEXT = _timm('inception_next_tiny'), _timm('convnext_tiny')

#: Known models by name. ``*_cl`` are channels-last, ``*_fused`` inference-only, ``*_ort``
#: ONNX Runtime (inference only), ``*_int8`` quantized.
MODEL_SPECS: Dict[str, ModelSpec] = {
    'inceptionnext_t': ModelSpec(_ours_inceptionnext),
    'inceptionnext_t_cl': ModelSpec(_ours_inceptionnext, channels_last=True),
    'inceptionnext_t_fused': ModelSpec(_ours_inceptionnext, fused=True),
    'inceptionnext_t_fused_cl': ModelSpec(_ours_inceptionnext, channels_last=True, fused=True),
    'timm_inception_next_tiny': ModelSpec(_TIMM_INCEPTIONNEXT, timm_features=True),
    'timm_inception_next_tiny_cl': ModelSpec(_TIMM_INCEPTIONNEXT, channels_last=True,
                                             timm_features=True),
    'timm_convnext_tiny': ModelSpec(_TIMM_CONVNEXT, timm_features=True),
    'timm_convnext_tiny_cl': ModelSpec(_TIMM_CONVNEXT, channels_last=True, timm_features=True),
    'timm_resnet50': ModelSpec(_timm('resnet50'), timm_features=True),
    'convnest_t': ModelSpec(_ours_convnest),
    'convnest_t_cl': ModelSpec(_ours_convnest, channels_last=True),
    # torch.compile (inference: Inductor freezing, see compile_for_inference)
    'inceptionnext_t_cl_compiled': ModelSpec(_ours_inceptionnext, channels_last=True,
                                             compiled=True),
    'inceptionnext_t_fused_cl_compiled': ModelSpec(_ours_inceptionnext, channels_last=True,
                                                   fused=True, compiled=True),
    'timm_inception_next_tiny_cl_compiled': ModelSpec(_TIMM_INCEPTIONNEXT, channels_last=True,
                                                      timm_features=True, compiled=True),
    'timm_convnext_tiny_cl_compiled': ModelSpec(_TIMM_CONVNEXT, channels_last=True,
                                                timm_features=True, compiled=True),
    # ONNX Runtime, CPU provider: fp32 and int8 (static, QDQ, per-channel weights)
    'inceptionnext_t_ort': ModelSpec(_ours_inceptionnext, fused=True, runtime='onnxruntime'),
    'inceptionnext_t_ort_int8': ModelSpec(_ours_inceptionnext, fused=True,
                                          runtime='onnxruntime', int8=True),
    'timm_convnext_tiny_ort': ModelSpec(_TIMM_CONVNEXT, timm_features=True,
                                        runtime='onnxruntime'),
    'timm_convnext_tiny_ort_int8': ModelSpec(_TIMM_CONVNEXT, timm_features=True,
                                             runtime='onnxruntime', int8=True),
}

DEFAULT_MODELS = ('inceptionnext_t', 'inceptionnext_t_cl', 'inceptionnext_t_fused',
                  'inceptionnext_t_fused_cl', 'timm_inception_next_tiny',
                  'timm_inception_next_tiny_cl', 'timm_convnext_tiny', 'timm_convnext_tiny_cl',
                  'timm_resnet50', 'convnest_t')
#: The GPU mixed-precision comparison: channels-last, eager and compiled, against ConvNeXt-T.
AMP_MODELS = ('inceptionnext_t_cl', 'inceptionnext_t_cl_compiled', 'timm_inception_next_tiny_cl',
              'timm_inception_next_tiny_cl_compiled', 'timm_convnext_tiny_cl',
              'timm_convnext_tiny_cl_compiled')


class _Runner(StepRunner):
    """One backbone prepared for one mode."""

    def __init__(self, name: str, mode: str, batch: int, size: Tuple[int, int],
                 device: torch.device, amp: Optional[str] = None) -> None:
        spec = MODEL_SPECS[name]
        torch.manual_seed(0)
        model = spec.build().to(device)
        self._set_up(model, mode, fuse=model if spec.fused else None,
                     channels_last=spec.channels_last, batch=batch, shape=size, device=device,
                     amp=amp)
        self.forward = ForwardAs(model, 'forward_features') if spec.timm_features else model
        self.forward.train(self.train)
        self.eager = self.forward  # the uncompiled network (for counting MACs)
        if spec.compiled:
            require_torch(MIN_TORCH_DEPLOY, f'the compiled benchmark form {name!r}')
            self.forward = (torch.compile(self.forward) if self.train
                            else compile_for_inference(self.forward, channels_last=False))
        if spec.runtime == 'onnxruntime':
            self.forward = onnxruntime_step(self.eager, self.x, spec.int8)
        self.opt = torch.optim.AdamW(model.parameters(), lr=1e-6) if self.train else None

    def loss(self) -> torch.Tensor:
        out = self.forward(self.x)
        outs = out if isinstance(out, (tuple, list)) else (out, )
        return sum(o.float().mean() for o in outs)

    def infer(self) -> None:
        self.forward(self.x)


def applicable(name: str, mode: str) -> bool:
    """Fused and ONNX Runtime models are inference-only."""
    return not (mode == 'train' and MODEL_SPECS[name].inference_only)


def cpu_peak_memory_mib(name: str, mode: str, batch: int, size: Tuple[int, int],
                        warmup: int, amp: Optional[str] = None) -> float:
    """Peak RSS growth (MiB) of ``warmup`` steps in a fresh child process."""
    return child_peak_rss_mib(_Runner, (name, mode, batch, size, torch.device('cpu'), amp), warmup)


def run_benchmark(models: Sequence[str] = DEFAULT_MODELS, *, modes: Sequence[str] = MODES,
                  batch: int = 8, size: Tuple[int, int] = (224, 224), warmup: int = 2,
                  repeats: int = 10, baseline: str = 'timm_convnext_tiny',
                  device: str = 'cpu', memory: bool = True, amp: Optional[str] = None,
                  log: Callable[[str], None] = print) -> List[Result]:
    """Time every model in every mode, interleaved, and return the results.

    Args:
        models: Names from :data:`MODEL_SPECS`.
        modes: Any of 'train', 'infer'.
        batch: Images per step.
        size: Input (height, width).
        warmup: Untimed steps per model before timing.
        repeats: Timed steps per model; the median is reported.
        baseline: Model the ratios are taken against (``img_per_s / baseline's``).
        device: 'cpu' or 'cuda'.
        memory: Also measure peak memory (on CPU in child processes, see :mod:`.timing`).
        amp: None (fp32), or 'bf16' / 'fp16' (CUDA only): PyTorch models run under
            ``torch.autocast`` with that dtype (ONNX Runtime rows are unaffected).
        log: Progress printer.

    Returns:
        One :class:`Result` per applicable (model, mode).
    """
    unknown = [m for m in list(models) + [baseline] if m not in MODEL_SPECS]
    if unknown:
        raise ValueError(f'Unknown model(s) {unknown}; valid names: {sorted(MODEL_SPECS)}.')
    bad_modes = [m for m in modes if m not in MODES]
    if bad_modes:
        raise ValueError(f'Unknown mode(s) {bad_modes}; valid: {list(MODES)}.')
    check_amp(amp, device)
    on_cuda_ort = [m for m in models if MODEL_SPECS[m].runtime != 'torch']
    if on_cuda_ort and device != 'cpu':
        raise ValueError(f'{on_cuda_ort} run in ONNX Runtime on the CPU; use device="cpu".')
    dev = torch.device(device)
    names = list(dict.fromkeys(list(models) + [baseline]))
    results: List[Result] = []
    for mode in modes:
        runners: Dict[str, _Runner] = {}
        mode_results: Dict[str, Result] = {}
        for name in names:
            if not applicable(name, mode):
                continue
            spec, res = MODEL_SPECS[name], Result(name, mode)
            # compiled models: the first steps compile, so their RSS peak is the compiler's
            probe = dev.type == 'cpu' and not spec.compiled and spec.runtime == 'torch'
            runner = warm_up_runner(_Runner, (name, mode, batch, size, dev, amp), res,
                                    warmup=warmup, memory=memory, probe=probe, log=log)
            if mode == 'infer':
                res.gmacs_per_step = count_macs(runner.eager, runner.x) / 1e9
            runners[name], mode_results[name] = runner, res
        time_interleaved(list(runners.values()), [mode_results[n] for n in runners], repeats,
                         batch, log, mode)
        for res in mode_results.values():
            if res.gmacs_per_step is not None:
                res.gmac_per_s = res.gmacs_per_step / res.step_ms_median * 1e3
        set_ratios(mode_results.values(), mode_results.get(baseline))
        results.extend(mode_results[n] for n in names if n in mode_results)
        del runners
    return results


def reference_gmac_per_s(device: str = 'cpu', repeats: int = 7) -> float:
    """The MAC rate of a large, well-shaped convolution on ``device``: a 1x1 conv of 1024 to
    1024 channels on a channels-last batch of 8 at 32x32 (8.6 GMACs), median of ``repeats``.

    The backbones' 1x1 MLP convolutions are the same kind of work in smaller pieces, so
    this is what they could reach at best; a model's ``gmac_per_s`` near it leaves no
    headroom for a faster implementation of the same arithmetic.
    """
    dev = torch.device(device)
    conv = nn.Conv2d(1024, 1024, 1).to(dev).eval().to(memory_format=torch.channels_last)
    x = torch.randn(8, 1024, 32, 32, device=dev).contiguous(memory_format=torch.channels_last)
    times = []
    with torch.inference_mode():
        for i in range(repeats + 2):
            start = time.perf_counter()
            conv(x)
            if dev.type == 'cuda':
                torch.cuda.synchronize(dev)
            if i >= 2:
                times.append(time.perf_counter() - start)
    return 8 * 32 * 32 * 1024 * 1024 / statistics.median(times) / 1e9
