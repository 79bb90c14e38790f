"""Side-by-side training and inference throughput of backbones, in one process.

Compares our InceptionNeXt (unfused, fused for inference, channels-last) with timm's
InceptionNeXt, ConvNeXt and ResNet-50 and our ConvNeSt. To keep ratios meaningful on a
shared, noisy machine, the models are timed *interleaved*: every repeat times one step
of each model in turn, so a burst of background load hits all of them alike; the
report gives medians over the repeats and ratios against a baseline model.

Measured per model and mode:

* training: forward + backward (sum of the means of the returned feature maps) +
  AdamW step, in img/s;
* inference: forward in eval mode under ``torch.inference_mode``, in img/s;
* peak memory of the measured step: on CUDA ``torch.cuda.max_memory_allocated``;
  on CPU the growth of the peak resident set size over the warm-up steps, measured
  in a fresh child process per model (so that memory cached by other models does not
  hide it): the peak (``VmHWM``) is reset through ``/proc/self/clear_refs`` after the
  model is built, falling back to ``resource`` ru_maxrss where that is unavailable.

timm models are timed through ``forward_features`` (no classifier head), so that all
models are headless backbones. Imports only torch and timm (OpenMMLab is imported
lazily by :func:`benchmark_segmentor`).
"""
from __future__ import annotations

import json
import multiprocessing as mp
import platform
import resource
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch
from torch import nn

from .models import ConvNeStNet, InceptionNeXtNet
from .models.fuse import fuse_for_inference, to_channels_last


@dataclass(frozen=True)
class ModelSpec:
    """How to build one benchmarked model.

    Args:
        build: Zero-argument factory returning the module (random weights).
        channels_last: Convert weights and inputs to channels-last (NHWC).
        fused: Fold BN and layer scale (:func:`fuse_for_inference`); inference only.
        timm_features: Call ``forward_features`` (timm classifiers) instead of ``forward``.
    """

    build: Callable[[], nn.Module]
    channels_last: bool = False
    fused: bool = False
    timm_features: bool = False


def _timm(name: str) -> Callable[[], nn.Module]:
    def build() -> nn.Module:
        import timm
        return timm.create_model(name, pretrained=False)
    return build


def _ours_inceptionnext() -> nn.Module:
    return InceptionNeXtNet('tiny')


def _ours_convnest() -> nn.Module:
    return ConvNeStNet('tiny')


#: Known models by name. ``*_cl`` are channels-last, ``*_fused`` inference-only.
MODEL_SPECS: Dict[str, ModelSpec] = {
    'inceptionnext_t': ModelSpec(_ours_inceptionnext),
    'inceptionnext_t_cl': ModelSpec(_ours_inceptionnext, channels_last=True),
    'inceptionnext_t_fused': ModelSpec(_ours_inceptionnext, fused=True),
    'inceptionnext_t_fused_cl': ModelSpec(_ours_inceptionnext, channels_last=True, fused=True),
    'timm_inception_next_tiny': ModelSpec(_timm('inception_next_tiny'), timm_features=True),
    'timm_inception_next_tiny_cl': ModelSpec(_timm('inception_next_tiny'), channels_last=True,
                                             timm_features=True),
    'timm_convnext_tiny': ModelSpec(_timm('convnext_tiny'), timm_features=True),
    'timm_convnext_tiny_cl': ModelSpec(_timm('convnext_tiny'), channels_last=True,
                                       timm_features=True),
    'timm_resnet50': ModelSpec(_timm('resnet50'), timm_features=True),
    'convnest_t': ModelSpec(_ours_convnest),
    'convnest_t_cl': ModelSpec(_ours_convnest, channels_last=True),
}

DEFAULT_MODELS = ('inceptionnext_t', 'inceptionnext_t_cl', 'inceptionnext_t_fused',
                  'inceptionnext_t_fused_cl', 'timm_inception_next_tiny',
                  'timm_inception_next_tiny_cl', 'timm_convnext_tiny', 'timm_convnext_tiny_cl',
                  'timm_resnet50', 'convnest_t')
MODES = ('train', 'infer')


@dataclass
class Result:
    """Throughput of one model in one mode (``None`` where not applicable)."""

    model: str
    mode: str
    img_per_s: Optional[float] = None
    step_ms_median: Optional[float] = None
    step_ms_all: List[float] = field(default_factory=list)
    peak_mem_mib: Optional[float] = None
    ratio: Optional[float] = None


class _Runner:
    """One model prepared for one mode: ``step()`` runs one timed unit of work."""

    def __init__(self, name: str, mode: str, batch: int, size: Tuple[int, int],
                 device: torch.device) -> None:
        spec = MODEL_SPECS[name]
        torch.manual_seed(0)
        model = spec.build().to(device)
        self.device = device
        self.train = mode == 'train'
        model.train(self.train)
        if spec.fused:
            fuse_for_inference(model)
        fmt = torch.channels_last if spec.channels_last else torch.contiguous_format
        if spec.channels_last:
            to_channels_last(model)
        self.model = model
        self.forward = model.forward_features if spec.timm_features else model
        self.x = torch.randn(batch, 3, *size, device=device).contiguous(memory_format=fmt)
        self.opt = torch.optim.AdamW(model.parameters(), lr=1e-6) if self.train else None

    def step(self) -> None:
        if self.train:
            out = self.forward(self.x)
            outs = out if isinstance(out, (tuple, list)) else (out, )
            loss = sum(o.float().mean() for o in outs)
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
        else:
            with torch.inference_mode():
                self.forward(self.x)
        if self.device.type == 'cuda':
            torch.cuda.synchronize(self.device)


def applicable(name: str, mode: str) -> bool:
    """Fused models are inference-only."""
    return not (mode == 'train' and MODEL_SPECS[name].fused)


def _read_status_kib(key: str) -> Optional[float]:
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith(key + ':'):
                    return float(line.split()[1])
    except OSError:
        pass
    return None


def _cpu_peak_rss_probe(name: str, mode: str, batch: int, size: Tuple[int, int],
                        warmup: int, queue) -> None:
    runner = _Runner(name, mode, batch, size, torch.device('cpu'))
    try:  # Linux >= 4.0: reset the peak RSS (VmHWM) so that model building does not count
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
        before = _read_status_kib('VmRSS')
    except OSError:
        before = None
    if before is None:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(max(1, warmup)):
        runner.step()
    peak = _read_status_kib('VmHWM') or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put((peak - before) / 1024.0)  # KiB -> MiB


def cpu_peak_memory_mib(name: str, mode: str, batch: int, size: Tuple[int, int],
                        warmup: int) -> float:
    """Peak RSS growth (MiB) of ``warmup`` steps in a fresh child process."""
    ctx = mp.get_context('spawn')
    queue = ctx.Queue()
    proc = ctx.Process(target=_cpu_peak_rss_probe, args=(name, mode, batch, size, warmup, queue))
    proc.start()
    value = queue.get()
    proc.join()
    return value


def run_benchmark(models: Sequence[str] = DEFAULT_MODELS, *, modes: Sequence[str] = MODES,
                  batch: int = 8, size: Tuple[int, int] = (224, 224), warmup: int = 2,
                  repeats: int = 10, baseline: str = 'timm_convnext_tiny',
                  device: str = 'cpu', memory: bool = True,
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
        memory: Also measure peak memory (on CPU in child processes, see module doc).
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
    dev = torch.device(device)
    names = list(dict.fromkeys(list(models) + [baseline]))
    results: List[Result] = []
    for mode in modes:
        runners: Dict[str, _Runner] = {}
        mode_results: Dict[str, Result] = {}
        for name in names:
            if not applicable(name, mode):
                continue
            res = Result(name, mode)
            if memory and dev.type == 'cpu':
                res.peak_mem_mib = cpu_peak_memory_mib(name, mode, batch, size, warmup)
            runner = _Runner(name, mode, batch, size, dev)
            if dev.type == 'cuda':
                torch.cuda.reset_peak_memory_stats(dev)
            for _ in range(warmup):
                runner.step()
            if memory and dev.type == 'cuda':
                res.peak_mem_mib = torch.cuda.max_memory_allocated(dev) / 2**20
            runners[name], mode_results[name] = runner, res
            log(f'[{mode}] warmed up {name}')
        for rep in range(repeats):
            for name, runner in runners.items():
                start = time.perf_counter()
                runner.step()
                mode_results[name].step_ms_all.append((time.perf_counter() - start) * 1e3)
            log(f'[{mode}] repeat {rep + 1}/{repeats} done')
        for res in mode_results.values():
            res.step_ms_median = statistics.median(res.step_ms_all)
            res.img_per_s = batch / res.step_ms_median * 1e3
        base = mode_results.get(baseline)
        for res in mode_results.values():
            res.ratio = res.img_per_s / base.img_per_s if base else None
        results.extend(mode_results[n] for n in names if n in mode_results)
        del runners
    return results


def environment(device: str = 'cpu') -> Dict[str, str]:
    """Versions and hardware the numbers were taken on."""
    import timm
    env = dict(torch=torch.__version__, timm=timm.__version__, python=platform.python_version(),
               threads=str(torch.get_num_threads()), device=device)
    if device.startswith('cuda'):
        env['gpu'] = torch.cuda.get_device_name(0)
    else:
        env['cpu'] = _cpu_name()
    return env


def _cpu_name() -> str:
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or 'unknown'


def format_table(results: Sequence[Result], baseline: str, memory_note: str) -> str:
    """Render results as a fixed-width text table."""
    lines = [f"{'model':30s} {'mode':5s} {'img/s':>8s} {'ms/step':>9s} {'x ' + baseline:>24s} "
             f"{'peak MiB':>9s}"]
    for r in results:
        mem = f'{r.peak_mem_mib:9.0f}' if r.peak_mem_mib is not None else f"{'-':>9s}"
        ratio = f'{r.ratio:24.2f}' if r.ratio is not None else f"{'-':>24s}"
        lines.append(f'{r.model:30s} {r.mode:5s} {r.img_per_s:8.2f} {r.step_ms_median:9.1f} '
                     f'{ratio} {mem}')
    lines.append(f'peak memory: {memory_note}')
    return '\n'.join(lines)


def memory_note(device: str) -> str:
    if device.startswith('cuda'):
        return 'torch.cuda.max_memory_allocated over the warm-up steps'
    return ('CPU: growth of peak RSS (VmHWM after /proc/self/clear_refs) over the warm-up '
            'steps, in a fresh child process per model')


def write_json(path: str, results: Sequence[Result], settings: Dict, device: str) -> None:
    """Write settings, environment and results to ``path``."""
    payload = dict(settings=settings, environment=environment(device),
                   memory=memory_note(device), results=[asdict(r) for r in results])
    with open(path, 'w') as f:
        json.dump(payload, f, indent=2)


def benchmark_segmentor(config: str, *, shape: Tuple[int, int] = (512, 2048), warmup: int = 2,
                        repeats: int = 5, device: str = 'cpu', fuse: bool = False,
                        channels_last: bool = False) -> Dict[str, float]:
    """Whole-segmentor inference FPS of one MMSegmentation config (batch 1, random weights).

    Args:
        config: Path of an MMSegmentation config of this project.
        shape: Input (height, width); the papers use 512x2048 for UperNet.
        warmup: Untimed forward passes.
        repeats: Timed forward passes (median reported).
        device: 'cpu' or 'cuda'.
        fuse: Fold the backbone's BNs and layer scales first (InceptionNeXt backbones).
        channels_last: Run the whole segmentor channels-last.

    Returns:
        ``dict(fps=..., ms_median=...)``.
    """
    from mmengine.config import Config

    from mmseg_inceptionnext.openmmlab.runner import build_model

    cfg = Config.fromfile(config)
    model_cfg = cfg.model.copy()
    model_cfg.pop('data_preprocessor', None)
    model = build_model(cfg, model_cfg).to(device).eval()
    if fuse:
        fuse_for_inference(model.backbone)
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    if channels_last:
        to_channels_last(model)
    x = torch.randn(1, 3, *shape, device=device).contiguous(memory_format=fmt)
    times = []
    with torch.inference_mode():
        for i in range(warmup + repeats):
            start = time.perf_counter()
            model._forward(x)
            if device.startswith('cuda'):
                torch.cuda.synchronize()
            if i >= warmup:
                times.append(time.perf_counter() - start)
    ms = statistics.median(times) * 1e3
    return dict(fps=1e3 / ms, ms_median=ms)


if __name__ == '__main__':  # pragma: no cover
    sys.exit('Use tools/benchmark.py.')
