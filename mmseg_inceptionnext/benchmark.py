"""Side-by-side training and inference throughput of backbones or whole segmentors, in one
process.

Compares our InceptionNeXt (unfused, fused for inference, channels-last, compiled) with
timm's InceptionNeXt, ConvNeXt and ResNet-50 and our ConvNeSt (:func:`run_benchmark`), or
whole MMSegmentation models from their configs (:func:`run_segmentor_benchmark`). To keep
ratios meaningful on a shared, noisy machine, the models are timed *interleaved*: every
repeat times one step of each model in turn, so a burst of background load hits all of
them alike; the report gives medians over the repeats and ratios against a baseline.

Measured per model and mode:

* training: forward + backward (sum of the means of the returned feature maps) +
  AdamW step, in img/s;
* inference: forward in eval mode under ``torch.inference_mode``, in img/s, and the
  multiply-accumulates per second it reaches (backbones);
* peak memory of the measured step: on CUDA ``torch.cuda.max_memory_allocated``;
  on CPU the growth of the peak resident set size over the warm-up steps, measured
  in a fresh child process per model (so that memory cached by other models does not
  hide it): the peak (``VmHWM``) is reset through ``/proc/self/clear_refs`` after the
  model is built, falling back to ``resource`` ru_maxrss where that is unavailable
  (not measured for compiled models, whose first steps compile).

timm models are timed through ``forward_features`` (no classifier head), so that all
models are headless backbones. Imports only torch and timm (OpenMMLab is imported
lazily by :func:`run_segmentor_benchmark`).
"""
from __future__ import annotations

import json
import multiprocessing as mp
import os
import platform
import queue as queue_module
import resource
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch
from torch import nn

from .models import ConvNeStNet, InceptionNeXtNet, count_macs
from .models.fuse import compile_for_inference, fuse_for_inference, to_channels_last


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
    """

    build: Callable[[], nn.Module]
    channels_last: bool = False
    fused: bool = False
    timm_features: bool = False
    compiled: bool = False


class _Features(nn.Module):
    """A timm classifier seen through its ``forward_features`` (headless backbone)."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model.forward_features(x)


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
    # torch.compile (inference: Inductor freezing, see compile_for_inference)
    'inceptionnext_t_cl_compiled': ModelSpec(_ours_inceptionnext, channels_last=True,
                                             compiled=True),
    'inceptionnext_t_fused_cl_compiled': ModelSpec(_ours_inceptionnext, channels_last=True,
                                                   fused=True, compiled=True),
    'timm_inception_next_tiny_cl_compiled': ModelSpec(_timm('inception_next_tiny'),
                                                      channels_last=True, timm_features=True,
                                                      compiled=True),
    'timm_convnext_tiny_cl_compiled': ModelSpec(_timm('convnext_tiny'), channels_last=True,
                                                timm_features=True, compiled=True),
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
    #: Multiply-accumulates of one inference step (convolutions and matrix products, the
    #: papers' count), and the rate they run at: how close a model gets to the hardware.
    gmacs_per_step: Optional[float] = None
    gmac_per_s: Optional[float] = None


class _StepRunner:
    """One timed unit of work: a training step (``loss()``, backward, optimizer step) or
    an inference pass (``infer()`` under ``inference_mode``). Subclasses set ``train``,
    ``opt`` and ``device``."""

    train: bool
    opt: Optional[torch.optim.Optimizer]
    device: torch.device

    def loss(self) -> torch.Tensor:
        raise NotImplementedError

    def infer(self) -> None:
        raise NotImplementedError

    def step(self) -> None:
        if self.train:
            loss = self.loss()
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
        else:
            with torch.inference_mode():
                self.infer()
        if self.device.type == 'cuda':
            torch.cuda.synchronize(self.device)


class _Runner(_StepRunner):
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
        self.forward = _Features(model).train(self.train) if spec.timm_features else model
        self.eager = self.forward  # the uncompiled network (for counting MACs)
        if spec.compiled:
            self.forward = (torch.compile(self.forward) if self.train
                            else compile_for_inference(self.forward, channels_last=False))
        self.x = torch.randn(batch, 3, *size, device=device).contiguous(memory_format=fmt)
        self.opt = torch.optim.AdamW(model.parameters(), lr=1e-6) if self.train else None

    def loss(self) -> torch.Tensor:
        out = self.forward(self.x)
        outs = out if isinstance(out, (tuple, list)) else (out, )
        return sum(o.float().mean() for o in outs)

    def infer(self) -> None:
        self.forward(self.x)


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


def _peak_rss_growth_mib(runner, warmup: int) -> float:
    """Growth of the peak RSS (MiB) over ``warmup`` steps of ``runner``, in this process."""
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
    return (peak - before) / 1024.0  # KiB -> MiB


def _cpu_peak_rss_probe(name: str, mode: str, batch: int, size: Tuple[int, int],
                        warmup: int, queue) -> None:
    runner = _Runner(name, mode, batch, size, torch.device('cpu'))
    queue.put(_peak_rss_growth_mib(runner, warmup))


def _in_child(target: Callable, args: tuple) -> float:
    """Run ``target(*args, queue)`` in a fresh (spawned) process and return what it puts."""
    ctx = mp.get_context('spawn')
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, queue))
    proc.start()
    try:
        while True:
            try:
                return queue.get(timeout=1.0)
            except queue_module.Empty:
                if not proc.is_alive():
                    raise RuntimeError(f'The memory probe process of {args[0]!r} died (exit '
                                       f'code {proc.exitcode}); its error is printed above.')
    finally:
        proc.join()


def cpu_peak_memory_mib(name: str, mode: str, batch: int, size: Tuple[int, int],
                        warmup: int) -> float:
    """Peak RSS growth (MiB) of ``warmup`` steps in a fresh child process."""
    return _in_child(_cpu_peak_rss_probe, (name, mode, batch, size, warmup))


def _warm_up(runner: _StepRunner, res: Result, warmup: int, memory: bool) -> None:
    """Run the untimed steps; on CUDA, record their peak memory in ``res``."""
    cuda = runner.device.type == 'cuda'
    if cuda:
        torch.cuda.reset_peak_memory_stats(runner.device)
    for _ in range(warmup):
        runner.step()
    if memory and cuda:
        res.peak_mem_mib = torch.cuda.max_memory_allocated(runner.device) / 2**20


def _time_interleaved(runners: Sequence, results: Sequence[Result], repeats: int, batch: int,
                      log: Callable[[str], None], mode: str) -> None:
    """Time ``repeats`` rounds of one step of every runner in turn; fill in the medians."""
    for rep in range(repeats):
        for runner, res in zip(runners, results):
            start = time.perf_counter()
            runner.step()
            res.step_ms_all.append((time.perf_counter() - start) * 1e3)
        log(f'[{mode}] repeat {rep + 1}/{repeats} done')
    for res in results:
        res.step_ms_median = statistics.median(res.step_ms_all)
        res.img_per_s = batch / res.step_ms_median * 1e3


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
            # compiled models: the first steps compile, so their RSS peak is the compiler's
            if memory and dev.type == 'cpu' and not MODEL_SPECS[name].compiled:
                res.peak_mem_mib = cpu_peak_memory_mib(name, mode, batch, size, warmup)
            runner = _Runner(name, mode, batch, size, dev)
            _warm_up(runner, res, warmup, memory)
            if mode == 'infer':
                res.gmacs_per_step = count_macs(runner.eager, runner.x) / 1e9
            runners[name], mode_results[name] = runner, res
            log(f'[{mode}] warmed up {name}')
        _time_interleaved(list(runners.values()), [mode_results[n] for n in runners], repeats,
                          batch, log, mode)
        for res in mode_results.values():
            if res.gmacs_per_step is not None:
                res.gmac_per_s = res.gmacs_per_step / res.step_ms_median * 1e3
        base = mode_results.get(baseline)
        for res in mode_results.values():
            res.ratio = res.img_per_s / base.img_per_s if base else None
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
    width = max([30] + [len(r.model) for r in results])
    lines = [f"{'model':{width}s} {'mode':5s} {'img/s':>8s} {'ms/step':>9s} "
             f"{'x ' + baseline:>24s} {'peak MiB':>9s} {'GMAC/s':>7s}"]
    for r in results:
        mem = f'{r.peak_mem_mib:9.0f}' if r.peak_mem_mib is not None else f"{'-':>9s}"
        ratio = f'{r.ratio:24.2f}' if r.ratio is not None else f"{'-':>24s}"
        rate = f'{r.gmac_per_s:7.0f}' if r.gmac_per_s is not None else f"{'-':>7s}"
        lines.append(f'{r.model:{width}s} {r.mode:5s} {r.img_per_s:8.2f} '
                     f'{r.step_ms_median:9.1f} {ratio} {mem} {rate}')
    lines.append(f'peak memory: {memory_note}')
    return '\n'.join(lines)


def memory_note(device: str) -> str:
    if device.startswith('cuda'):
        return 'torch.cuda.max_memory_allocated over the warm-up steps'
    return ('CPU: growth of peak RSS (VmHWM after /proc/self/clear_refs) over the warm-up '
            'steps, in a fresh child process per model; not measured for compiled models '
            '(their first steps compile)')


def write_json(path: str, results: Sequence[Result], settings: Dict, device: str) -> None:
    """Write settings, environment and results to ``path``."""
    payload = dict(settings=settings, environment=environment(device),
                   memory=memory_note(device), results=[asdict(r) for r in results])
    with open(path, 'w') as f:
        json.dump(payload, f, indent=2)


@dataclass(frozen=True)
class SegmentorSpec:
    """One whole segmentor to time: a config plus how to run it.

    Args:
        config: Path of an MMSegmentation config (this project's or the user's).
        with_cp: Set ``model.backbone.with_cp`` (activation checkpointing).
        fuse: Fold the backbone's BNs and layer scales (:func:`fuse_for_inference`);
            InceptionNeXt backbones only, inference only.
        channels_last: Run the whole segmentor channels-last.
        compiled: Inference through :func:`compile_for_inference` (Inductor freezing).
    """

    config: str
    with_cp: bool = False
    fuse: bool = False
    channels_last: bool = False
    compiled: bool = False

    @property
    def label(self) -> str:
        name = os.path.splitext(os.path.basename(self.config))[0]
        flags = [f for f, on in (('cp', self.with_cp), ('fused', self.fuse),
                                 ('cl', self.channels_last), ('compiled', self.compiled)) if on]
        return '+'.join([name] + flags)


class _SegmentorRunner(_StepRunner):
    """A config's segmentor (random weights, SyncBN as BN) prepared for one mode."""

    def __init__(self, spec: SegmentorSpec, mode: str, batch: int, shape: Tuple[int, int],
                 device: torch.device) -> None:
        from mmengine.config import Config

        from .openmmlab.runner import build_model

        cfg = Config.fromfile(spec.config)
        model_cfg = cfg.model.copy()
        model_cfg.pop('data_preprocessor', None)
        model_cfg['backbone'] = dict(model_cfg['backbone'], with_cp=spec.with_cp)
        torch.manual_seed(0)
        model = build_model(cfg, model_cfg).to(device)
        self.train = mode == 'train'
        model.train(self.train)
        if spec.fuse:
            fuse_for_inference(model.backbone)
        fmt = torch.channels_last if spec.channels_last else torch.contiguous_format
        if spec.channels_last:
            to_channels_last(model)
        self.model, self.device = model, device
        self.network = _TensorForward(model).train(self.train)
        if spec.compiled:
            self.network = compile_for_inference(self.network, channels_last=False)
        h, w = shape
        self.x = torch.randn(batch, 3, h, w, device=device).contiguous(memory_format=fmt)
        self.samples = None
        self.opt = None
        if self.train:
            from mmengine.structures import PixelData
            from mmseg.structures import SegDataSample
            num_classes = model.decode_head.num_classes
            self.samples = []
            for _ in range(batch):
                sample = SegDataSample(metainfo=dict(img_shape=shape, pad_shape=shape,
                                                     ori_shape=shape))
                sample.gt_sem_seg = PixelData(
                    data=torch.randint(0, num_classes, (1, h, w), device=device))
                self.samples.append(sample)
            self.opt = torch.optim.AdamW(model.parameters(), lr=1e-6)

    def loss(self) -> torch.Tensor:
        return self.model.parse_losses(self.model.loss(self.x, self.samples))[0]

    def infer(self) -> None:
        self.network(self.x)


class _TensorForward(nn.Module):
    """A segmentor's network alone (``_forward``: backbone, neck, heads), as FPS counts."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor):
        return self.model._forward(x)


def _segmentor_peak_rss_probe(spec: SegmentorSpec, mode: str, batch: int,
                              shape: Tuple[int, int], warmup: int, queue) -> None:
    import mmseg_inceptionnext  # noqa: F401  (registers the backbones in the child)
    runner = _SegmentorRunner(spec, mode, batch, shape, torch.device('cpu'))
    queue.put(_peak_rss_growth_mib(runner, warmup))


def run_segmentor_benchmark(specs: Sequence[SegmentorSpec], *, mode: str = 'infer',
                            batch: int = 1, shape: Tuple[int, int] = (512, 2048),
                            warmup: int = 2, repeats: int = 5, device: str = 'cpu',
                            memory: bool = True,
                            log: Callable[[str], None] = print) -> List[Result]:
    """Time whole segmentors side by side (interleaved, as :func:`run_benchmark`).

    Ratios are against the first spec. Inference runs ``EncoderDecoder._forward`` (the
    network, without the test-time resizing of ``predict``), as papers count FPS;
    training runs ``loss`` on random labels, backward and an AdamW step.

    Args:
        specs: Segmentors to compare; the first is the baseline of the ratios.
        mode: 'infer' or 'train'.
        batch: Images per step.
        shape: Input (height, width); the papers time UperNet at 512x2048.
        warmup: Untimed steps per segmentor.
        repeats: Timed steps per segmentor (median reported).
        device: 'cpu' or 'cuda'.
        memory: Also measure peak memory (CPU: in a fresh child process per spec).
        log: Progress printer.

    Returns:
        One :class:`Result` per spec, ``model`` being the spec's label.
    """
    if mode not in MODES:
        raise ValueError(f'Unknown mode {mode!r}; valid: {list(MODES)}.')
    if not specs:
        raise ValueError('Give at least one segmentor config.')
    labels = [s.label for s in specs]
    if len(set(labels)) != len(labels):
        raise ValueError(f'Duplicate segmentor entries: {labels}.')
    inference_only = [s.label for s in specs if s.fuse or s.compiled]
    if mode == 'train' and inference_only:
        raise ValueError(f'{inference_only}: fused and compiled segmentors are timed for '
                         f'inference only; drop fuse/compiled or use mode="infer".')
    dev = torch.device(device)
    runners, results = [], []
    for spec in specs:
        res = Result(spec.label, mode)
        if memory and dev.type == 'cpu' and not spec.compiled:  # see run_benchmark
            res.peak_mem_mib = _in_child(_segmentor_peak_rss_probe,
                                         (spec, mode, batch, shape, warmup))
        runner = _SegmentorRunner(spec, mode, batch, shape, dev)
        _warm_up(runner, res, warmup, memory)
        runners.append(runner)
        results.append(res)
        log(f'[{mode}] warmed up {spec.label}')
    _time_interleaved(runners, results, repeats, batch, log, mode)
    for res in results:
        res.ratio = res.img_per_s / results[0].img_per_s
    return results


if __name__ == '__main__':  # pragma: no cover
    sys.exit('Use tools/benchmark.py.')
