"""What every benchmarked model shares: one timed unit of work (a :class:`StepRunner`, with
the preparation of its network and input), the warm-up, the interleaved timing loop, and the
peak-memory probe.

Models are timed *interleaved*: every repeat times one step of each model in turn, so that a
burst of background load on a shared machine hits all of them alike; medians over the
repeats are reported.

Peak memory on CUDA is ``torch.cuda.max_memory_allocated`` over the warm-up steps; on the CPU
it is the growth of the peak resident set size over the warm-up steps, measured in a fresh
child process per model (so that memory cached by other models does not hide it): the peak
(``VmHWM``) is reset through ``/proc/self/clear_refs`` after the model is built, falling back
to ``resource`` ru_maxrss where that is unavailable. The children are forked from a
multiprocessing *fork server* that has imported the benchmark's modules and built nothing
(:data:`PROBE_PRELOAD`), so that a probe does not spend seconds importing torch, timm and
OpenMMLab; where fork servers do not exist (Windows) they are spawned.
"""
from __future__ import annotations

import contextlib
import hashlib
import multiprocessing as mp
import queue as queue_module
import resource
import statistics
import time
import weakref
from dataclasses import dataclass, field
from typing import Any, Callable, List, Optional, Sequence, Tuple

import torch
from torch import nn

from ..models.fuse import fuse_for_inference, to_channels_last
from ..progress import track

#: Benchmark modes.
MODES = ('train', 'infer')
#: Mixed-precision choices (``torch.autocast`` dtypes).
AMP_DTYPES = {'fp16': torch.float16, 'bf16': torch.bfloat16}


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


class ForwardAs(nn.Module):
    """A module seen through another of its methods: a timm classifier through
    ``forward_features`` (headless backbone), a segmentor through ``_forward`` (its network
    alone, as FPS is counted)."""

    def __init__(self, model: nn.Module, method: str) -> None:
        super().__init__()
        self.model, self.method = model, method

    def forward(self, x: torch.Tensor):
        return getattr(self.model, self.method)(x)


class StepRunner:
    """One model prepared for one mode: ``step()`` runs one timed unit of work, a training
    step (``loss()``, backward, optimizer step) or an inference pass (``infer()`` under
    ``inference_mode``), optionally under ``torch.autocast`` (``amp``)."""

    train: bool = False
    opt: Optional[torch.optim.Optimizer] = None
    device: torch.device = torch.device('cpu')
    amp: Optional[str] = None

    def loss(self) -> torch.Tensor:
        raise NotImplementedError

    def infer(self) -> None:
        raise NotImplementedError

    def _set_up(self, model: nn.Module, mode: str, *, fuse: Optional[nn.Module],
                channels_last: bool, batch: int, shape: Tuple[int, int], device: torch.device,
                amp: Optional[str]) -> None:
        """Prepare ``model`` and the input for ``mode``: train or eval mode, ``fuse``'s BNs and
        layer scales folded (:func:`fuse_for_inference`; ``None``: nothing folded), channels-last
        weights if asked, and ``self.x``, a random batch in the same memory format."""
        self.device, self.amp, self.train = device, amp, mode == 'train'
        model.train(self.train)
        if fuse is not None:
            fuse_for_inference(fuse)
        fmt = torch.channels_last if channels_last else torch.contiguous_format
        if channels_last:
            to_channels_last(model)
        self.x = torch.randn(batch, 3, *shape, device=device).contiguous(memory_format=fmt)

    def _autocast(self):
        if self.amp is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=AMP_DTYPES[self.amp])

    def step(self) -> None:
        if self.train:
            with self._autocast():
                loss = self.loss()
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
        else:
            with torch.inference_mode(), self._autocast():
                self.infer()
        if self.device.type == 'cuda':
            torch.cuda.synchronize(self.device)


#: fp32 ONNX Runtime sessions of this process by :func:`_graph_key`, while they are alive:
#: an int8 row quantizes the graph of the fp32 row of the same network, as ``fidelity`` does.
_FP32_SESSIONS: 'weakref.WeakValueDictionary' = weakref.WeakValueDictionary()


def _graph_key(network: nn.Module, x: torch.Tensor) -> Tuple[str, tuple, str]:
    """What an exported graph depends on: the network's class, its every state tensor (names,
    shapes, values) and the input shape."""
    digest = hashlib.sha1()
    for name, tensor in network.state_dict().items():
        digest.update(f'{name}:{tuple(tensor.shape)}:{tensor.dtype};'.encode())
        # as bytes, whatever the dtype (numpy has no bfloat16)
        digest.update(tensor.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy())
    return type(network).__qualname__, tuple(x.shape), digest.hexdigest()


def onnxruntime_step(network: nn.Module, x: torch.Tensor, int8: bool) -> Callable[..., Any]:
    """``network`` exported to ONNX Runtime (``int8``: statically quantized, calibrated on real
    photographs), as a step that runs it on ``x``: the input is fixed and converted to numpy
    once, so the step ignores what it is called with.

    The fp32 graph of the same network (class, weights, buffers) and input shape is exported
    once per process while its session lives: an int8 row after an fp32 row of the same
    network quantizes that row's graph instead of exporting again."""
    from ..deploy import calibration_batches, to_onnxruntime
    key = _graph_key(network, x)
    calibration = calibration_batches(x.shape[0], tuple(x.shape[2:])) if int8 else None
    fp32 = _FP32_SESSIONS.get(key)
    session = to_onnxruntime(network, x, int8=int8, calibration=calibration,
                             fp32_onnx=fp32.path if int8 and fp32 is not None else None)
    if not int8:
        _FP32_SESSIONS[key] = session
    x_np = x.numpy()
    return lambda *_: session.run_numpy(x_np)


def check_amp(amp: Optional[str], device: str) -> None:
    """Refuse an unknown precision, and fp16 autocast on the CPU (bf16 is the CPU's)."""
    if amp is None:
        return
    if amp not in AMP_DTYPES:
        raise ValueError(f'Unknown amp {amp!r}; valid: {sorted(AMP_DTYPES)} (or None for fp32).')
    if amp == 'fp16' and not device.startswith('cuda'):
        raise ValueError('amp="fp16" is for CUDA; on the CPU use amp="bf16".')


def warm_up(runner: StepRunner, res: Result, warmup: int, memory: bool) -> None:
    """Run the untimed steps; on CUDA, record their peak memory in ``res``."""
    cuda = runner.device.type == 'cuda'
    if cuda:
        torch.cuda.reset_peak_memory_stats(runner.device)
    for _ in track(range(warmup), f'[{res.mode}] warming up {res.model}'):
        runner.step()
    if memory and cuda:
        res.peak_mem_mib = torch.cuda.max_memory_allocated(runner.device) / 2**20


def warm_up_runner(runner_cls: Callable[..., StepRunner], args: tuple, res: Result, *,
                   warmup: int, memory: bool, probe: bool,
                   log: Callable[[str], None]) -> StepRunner:
    """Build ``runner_cls(*args)`` and run its untimed steps, their peak memory in ``res``.

    With ``memory``, the peak on CUDA is that of these warm-up steps; with ``probe`` too (a CPU
    runner) it is the peak RSS growth of the same steps, measured first in a fresh child
    process (:func:`child_peak_rss_mib`).
    """
    if memory and probe:
        res.peak_mem_mib = child_peak_rss_mib(runner_cls, args, warmup)
    runner = runner_cls(*args)
    warm_up(runner, res, warmup, memory)
    log(f'[{res.mode}] warmed up {res.model}')
    return runner


def time_interleaved(runners: Sequence[StepRunner], results: Sequence[Result], repeats: int,
                     batch: int, log: Callable[[str], None], mode: str) -> None:
    """Time ``repeats`` rounds of one step of every runner in turn; fill in the medians."""
    for rep in track(range(repeats), f'[{mode}] timing {len(runners)} models, rounds'):
        for runner, res in zip(runners, results):
            start = time.perf_counter()
            runner.step()
            res.step_ms_all.append((time.perf_counter() - start) * 1e3)
        log(f'[{mode}] repeat {rep + 1}/{repeats} done')
    for res in results:
        res.step_ms_median = statistics.median(res.step_ms_all)
        res.img_per_s = batch / res.step_ms_median * 1e3


def set_ratios(results: Sequence[Result], base: Optional[Result]) -> None:
    for res in results:
        res.ratio = res.img_per_s / base.img_per_s if base else None


def _read_status_kib(key: str) -> Optional[float]:
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith(key + ':'):
                    return float(line.split()[1])
    except OSError:
        pass
    return None


def peak_rss_growth_mib(runner: StepRunner, warmup: int) -> float:
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


def _peak_rss_probe(runner_cls: Callable[..., StepRunner], args: tuple, warmup: int,
                    queue) -> None:
    queue.put(peak_rss_growth_mib(runner_cls(*args), warmup))


#: What the memory probes' fork server imports before it forks them: the modules every
#: benchmarked model is built from (a module that is not installed is left out).
PROBE_PRELOAD = ('mmseg_inceptionnext.benchmark.backbones',
                 'mmseg_inceptionnext.benchmark.segmentors', 'mmseg_inceptionnext.plugin',
                 'mmseg_inceptionnext.deploy.segmentor', 'mmengine.config', 'mmseg.models',
                 'mmseg.structures')


def probe_context() -> mp.context.BaseContext:
    """The multiprocessing context of the memory probes: a fork server that preloads
    :data:`PROBE_PRELOAD` (started by the first probe of this process, and shared by every
    later one), or spawning where there is no fork server."""
    if 'forkserver' not in mp.get_all_start_methods():
        return mp.get_context('spawn')
    ctx = mp.get_context('forkserver')
    # Not '__main__' (multiprocessing's default): the probes need nothing of the caller's
    # script, which may not guard its work with `if __name__ == '__main__'`.
    ctx.set_forkserver_preload(list(PROBE_PRELOAD))
    return ctx


def child_peak_rss_mib(runner_cls: Callable[..., StepRunner], args: tuple, warmup: int) -> float:
    """Peak RSS growth (MiB) of ``warmup`` steps of ``runner_cls(*args)`` (a CPU runner,
    importable by name), built and run in a fresh child process (:func:`probe_context`)."""
    ctx = probe_context()
    queue = ctx.Queue()
    proc = ctx.Process(target=_peak_rss_probe, args=(runner_cls, args, warmup, queue))
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
