"""Whole MMSegmentation models from their configs, side by side (:func:`run_segmentor_benchmark`):
eager, fused, channels-last, compiled, with activation checkpointing, or in ONNX Runtime at
fp32 and int8. OpenMMLab is imported only here, lazily."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence, Tuple

import torch

from ..models.fuse import compile_for_inference
from .timing import (
    MODES,
    Result,
    StepRunner,
    check_amp,
    onnxruntime_step,
    set_ratios,
    time_interleaved,
    warm_up_runner,
)


@dataclass(frozen=True)
class SegmentorSpec:
    """One whole segmentor to time: a config plus how to run it.

    Args:
        config: Path of an MMSegmentation config (this project's or the user's).
        with_cp: Set ``model.backbone.with_cp`` (activation checkpointing).
        fused: Fold the backbone's BNs and layer scales (:func:`~mmseg_inceptionnext.models.
            fuse_for_inference`); InceptionNeXt backbones only, inference only.
        channels_last: Run the whole segmentor channels-last.
        compiled: Inference through :func:`compile_for_inference` (Inductor freezing).
        runtime: 'torch', or 'onnxruntime': the network (image to logits, see
            :class:`~mmseg_inceptionnext.deploy.SegmentorNetwork`) exported and run in ONNX
            Runtime; inference only.
        int8: With ``runtime='onnxruntime'``: statically quantized to int8, calibrated on
            real photographs.
    """

    config: str
    with_cp: bool = False
    fused: bool = False
    channels_last: bool = False
    compiled: bool = False
    runtime: str = 'torch'
    int8: bool = False

    @property
    def label(self) -> str:
        name = os.path.splitext(os.path.basename(self.config))[0]
        flags = [f for f, on in (('cp', self.with_cp), ('fused', self.fused),
                                 ('cl', self.channels_last), ('compiled', self.compiled),
                                 ('ort', self.runtime == 'onnxruntime'), ('int8', self.int8))
                 if on]
        return '+'.join([name] + flags)

    @property
    def inference_only(self) -> bool:
        return self.fused or self.compiled or self.runtime != 'torch'


class _SegmentorRunner(StepRunner):
    """A config's segmentor (random weights, SyncBN as BN) prepared for one mode."""

    def __init__(self, spec: SegmentorSpec, mode: str, batch: int, shape: Tuple[int, int],
                 device: torch.device, amp: Optional[str] = None) -> None:
        from mmengine.config import Config

        from .. import plugin, safety  # noqa: F401  (registers)
        from ..deploy.segmentor import SegmentorNetwork
        from ..runs.runner import build_model

        cfg = Config.fromfile(spec.config)
        model_cfg = cfg.model.copy()
        model_cfg.pop('data_preprocessor', None)
        model_cfg['backbone'] = dict(model_cfg['backbone'], with_cp=spec.with_cp)
        torch.manual_seed(0)
        model = build_model(cfg, model_cfg).to(device)
        self._set_up(model, mode, fuse=model.backbone if spec.fused else None,
                     channels_last=spec.channels_last, batch=batch, shape=shape, device=device,
                     amp=amp)
        self.model = model
        # inference: the network alone (backbone, neck, heads), as FPS is counted
        self.network = SegmentorNetwork(model, resize=False).train(self.train)
        if spec.compiled:
            self.network = compile_for_inference(self.network, channels_last=False)
        if spec.runtime == 'onnxruntime':
            self.network = onnxruntime_step(self.network, self.x, spec.int8)
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
                    data=torch.randint(0, num_classes, (1, *shape), device=device))
                self.samples.append(sample)
            self.opt = torch.optim.AdamW(model.parameters(), lr=1e-6)

    def loss(self) -> torch.Tensor:
        return self.model.parse_losses(self.model.loss(self.x, self.samples))[0]

    def infer(self) -> None:
        self.network(self.x)


def run_segmentor_benchmark(specs: Sequence[SegmentorSpec], *, mode: str = 'infer',
                            batch: int = 1, shape: Tuple[int, int] = (512, 2048),
                            warmup: int = 2, repeats: int = 5, device: str = 'cpu',
                            memory: bool = True, amp: Optional[str] = None,
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
        amp: None (fp32), 'bf16' or 'fp16' (CUDA only): ``torch.autocast`` dtype.
        log: Progress printer.

    Returns:
        One :class:`Result` per spec, ``model`` being the spec's label.
    """
    if mode not in MODES:
        raise ValueError(f'Unknown mode {mode!r}; valid: {list(MODES)}.')
    if not specs:
        raise ValueError('Give at least one segmentor config.')
    check_amp(amp, device)
    labels = [s.label for s in specs]
    if len(set(labels)) != len(labels):
        raise ValueError(f'Duplicate segmentor entries: {labels}.')
    inference_only = [s.label for s in specs if s.inference_only]
    if mode == 'train' and inference_only:
        raise ValueError(f'{inference_only}: fused, compiled and ONNX Runtime segmentors are '
                         f'timed for inference only; drop those options or use mode="infer".')
    dev = torch.device(device)
    runners, results = [], []
    for spec in specs:
        res = Result(spec.label, mode)
        probe = dev.type == 'cpu' and not spec.compiled and spec.runtime == 'torch'
        runners.append(warm_up_runner(_SegmentorRunner, (spec, mode, batch, shape, dev, amp), res,
                                      warmup=warmup, memory=memory, probe=probe, log=log))
        results.append(res)
    time_interleaved(runners, results, repeats, batch, log, mode)
    set_ratios(results, results[0])
    return results
