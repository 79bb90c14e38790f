""":class:`NonFiniteCheckHook`: a diverging run stops before any bad checkpoint is written.

* Gradients: a step pre-hook on every optimizer (``torch.optim.Optimizer.
  register_step_pre_hook``) checks the gradients the optimizer is about to apply; if any is
  NaN or inf it drops them all, so the step changes nothing. Under mixed precision the loss
  scaler (``AmpOptimWrapper``) has already skipped its overflow steps and unscaled the rest,
  so those never reach this check and never stop the run: they are normal with a dynamic
  loss scale, and are only counted (``amp_skipped_steps`` in the message hub).
* Losses: after each iteration (before ``LoggerHook`` and ``CheckpointHook``) a NaN or inf
  loss term, or a step whose gradients were dropped, stops the run with an error naming the
  iteration, the loss terms and their values and the last good checkpoint. The loss is
  computed before any loss scaling, so under mixed precision too a non-finite loss is a
  diverged forward pass, not a scaler overflow. With ``max_bad_steps=N`` up to N such steps
  are skipped (gradients dropped, buffers such as BatchNorm statistics restored) and counted.
* Checkpoints: ``before_save_checkpoint`` refuses to write a checkpoint whose parameters,
  buffers or optimizer state hold a NaN or inf (one that arrived between two checks), and
  ``after_load_checkpoint`` refuses to resume from or evaluate such a checkpoint.
"""
from __future__ import annotations

import math
from typing import Any, Dict, List, Optional

import torch
from mmengine.dist import all_reduce, get_world_size
from mmengine.hooks import Hook

from ..models.torch_compat import max_abs
from ..plugin.registry import register_hook
from .checkpoint_io import resume_checkpoint

_TRAINED_STATE = ('state_dict', 'optimizer', 'ema_state_dict')


class NonFiniteLossError(RuntimeError):
    """Training produced a NaN or inf loss or gradient."""


class NonFiniteCheckpointError(RuntimeError):
    """A checkpoint to be written or read holds NaN or inf values."""


def nonfinite_entries(obj: Any, prefix: str = '') -> List[str]:
    """Names of the floating-point tensors in a (nested) state dict holding a NaN or inf."""
    if isinstance(obj, torch.Tensor):
        return [prefix] if obj.is_floating_point() and not bool(torch.isfinite(obj).all()) else []
    if isinstance(obj, dict):
        items = obj.items()
    elif isinstance(obj, (list, tuple)):
        items = enumerate(obj)
    else:
        return []
    return [name for key, value in items
            for name in nonfinite_entries(value, f'{prefix}.{key}' if prefix else str(key))]


def nonfinite_trained_state(checkpoint: dict) -> List[str]:
    """Names of the non-finite tensors in a checkpoint's weights, optimizer and EMA state."""
    return [name for key in _TRAINED_STATE for name in nonfinite_entries(checkpoint.get(key), key)]


def _optimizers(optim_wrapper: Any) -> List[torch.optim.Optimizer]:
    wrappers = getattr(optim_wrapper, 'optim_wrappers', None)
    wrappers = list(wrappers.values()) if isinstance(wrappers, dict) else [optim_wrapper]
    return [w.optimizer for w in wrappers]


def _unwrap(model: torch.nn.Module) -> torch.nn.Module:
    return getattr(model, 'module', model)


@register_hook
class NonFiniteCheckHook(Hook):
    """Stop (or skip a few) non-finite training steps; never write a non-finite checkpoint.

    Args:
        max_bad_steps: Steps with a NaN or inf loss or gradient that are skipped and
            counted before the run stops. Default: 0 (stop at the first).
    """

    priority = 'NORMAL'  # after_train_iter before LoggerHook and CheckpointHook

    def __init__(self, max_bad_steps: int = 0) -> None:
        if isinstance(max_bad_steps, bool) or not isinstance(max_bad_steps, int) \
                or max_bad_steps < 0:
            raise ValueError(f'NonFiniteCheckHook max_bad_steps must be an int >= 0, got '
                             f'{max_bad_steps!r}.')
        self.max_bad_steps = max_bad_steps
        self.bad_steps = 0
        self.amp_skipped_steps = 0
        self._handles: list = []
        self._names: Dict[int, str] = {}
        self._dropped: Optional[List[str]] = None  # params whose grads were dropped this step
        self._scale: Optional[float] = None
        self._buffers: Dict[str, torch.Tensor] = {}

    # training -----------------------------------------------------------------------------
    def before_train(self, runner) -> None:
        self._names = {id(p): n for n, p in _unwrap(runner.model).named_parameters()}
        self._handles = [opt.register_step_pre_hook(self._check_gradients)
                         for opt in _optimizers(runner.optim_wrapper)]
        self.bad_steps = int(runner.message_hub.get_info('nonfinite_steps') or 0)
        self.amp_skipped_steps = int(runner.message_hub.get_info('amp_skipped_steps') or 0)

    def after_train(self, runner) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def before_train_iter(self, runner, batch_idx: int, data_batch: Any = None) -> None:
        self._dropped = None
        scaler = self._loss_scaler(runner)
        self._scale = scaler.get_scale() if scaler is not None else None
        if self.max_bad_steps:
            self._buffers = {name: b.detach().clone()
                             for name, b in _unwrap(runner.model).named_buffers()}

    def after_train_iter(self, runner, batch_idx: int, data_batch: Any = None,
                         outputs: Optional[Dict[str, Any]] = None) -> None:
        self._count_amp_overflow(runner)
        terms = self._loss_terms(outputs)
        bad = self._dropped is not None or not all(math.isfinite(v) for v in terms.values())
        if get_world_size() > 1:  # decide alike on every process
            flag = torch.tensor(float(bad))
            all_reduce(flag, op='max')
            bad = bool(flag.item())
        if not bad:
            return
        self.bad_steps += 1
        runner.message_hub.update_info('nonfinite_steps', self.bad_steps)
        description = self._describe(runner, terms)
        if self.bad_steps > self.max_bad_steps:
            raise NonFiniteLossError(description + self._advice(runner))
        with torch.no_grad():
            for name, buffer in _unwrap(runner.model).named_buffers():
                if name in self._buffers:
                    buffer.copy_(self._buffers[name])
        runner.logger.warning(f'{description} Skipped ({self.bad_steps} of max_bad_steps='
                              f'{self.max_bad_steps} bad steps so far).')

    def _check_gradients(self, optimizer: torch.optim.Optimizer, args: Any, kwargs: Any) -> None:
        """Step pre-hook: drop every gradient if any is non-finite (the step does nothing)."""
        params = [p for group in optimizer.param_groups for p in group['params']
                  if p.grad is not None]
        if not params:
            return
        total = max_abs(p.grad for p in params)
        if bool(torch.isfinite(total)):
            return
        self._dropped = [self._names.get(id(p), '?') for p in params
                         if not bool(torch.isfinite(p.grad).all())]
        for p in params:
            p.grad = None

    @staticmethod
    def _loss_scaler(runner) -> Any:
        scaler = getattr(runner.optim_wrapper, 'loss_scaler', None)
        return scaler if scaler is not None and scaler.is_enabled() else None

    def _count_amp_overflow(self, runner) -> None:
        scaler = self._loss_scaler(runner)
        if scaler is None or self._scale is None or scaler.get_scale() >= self._scale:
            return
        self.amp_skipped_steps += 1
        runner.message_hub.update_info('amp_skipped_steps', self.amp_skipped_steps)
        runner.logger.info(f'Iteration {runner.iter + 1}: the loss scaler skipped an overflow '
                           f'step and lowered the scale to {scaler.get_scale():g} (normal with '
                           f'a dynamic loss scale; {self.amp_skipped_steps} so far).')

    @staticmethod
    def _loss_terms(outputs: Optional[Dict[str, Any]]) -> Dict[str, float]:
        items = [(k, v) for k, v in (outputs or {}).items() if 'loss' in k]
        if not items:
            return {}
        values = torch.stack([torch.as_tensor(v).detach().float().reshape(()).cpu()
                              for _, v in items]).tolist()
        return {k: v for (k, _), v in zip(items, values)}

    def _describe(self, runner, terms: Dict[str, float]) -> str:
        shown = ', '.join(f'{k}={v:.4g}' for k, v in terms.items()) or 'no loss terms logged'
        finite_loss = all(math.isfinite(v) for v in terms.values())
        kind = 'gradients' if finite_loss and self._dropped else 'loss'
        text = f'Non-finite {kind} at iteration {runner.iter + 1}: {shown}.'
        if self._dropped:
            more = f' and {len(self._dropped) - 5} more' if len(self._dropped) > 5 else ''
            text += (f' Non-finite gradients in {self._dropped[:5]}{more}; the optimizer step '
                     f'was not applied.')
        elif finite_loss:
            text += ' (Another process had a non-finite loss.)'
        return text

    def _advice(self, runner) -> str:
        good = resume_checkpoint(runner.work_dir)
        where = (f'The last good checkpoint is {good}; no checkpoint was written after the '
                 f'divergence.' if good else 'No checkpoint had been written yet.')
        return (f' {where} The run diverged: lower the learning rate (optim_wrapper.optimizer.lr),'
                f' clip gradients (optim_wrapper.clip_grad=dict(max_norm=1.0)) or check the data.'
                f' --resume continues from the last good checkpoint with its optimizer state and'
                f' learning rate; to go on from it with a changed recipe, pass --cfg-options '
                f'load_from=<checkpoint> instead. To skip a few such steps rather than stop, set '
                f"custom_hooks=[dict(type='NonFiniteCheckHook', max_bad_steps=N)].")

    # checkpoints --------------------------------------------------------------------------
    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        self._refuse_nonfinite(runner, checkpoint, saving=True)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self._refuse_nonfinite(runner, checkpoint, saving=False)

    @staticmethod
    def _refuse_nonfinite(runner, checkpoint: dict, *, saving: bool) -> None:
        """Raise :class:`NonFiniteCheckpointError` if the checkpoint's weights, optimizer or EMA
        state hold a NaN or inf: about to be saved (then nothing is written) or just loaded."""
        bad = nonfinite_trained_state(checkpoint)
        if not bad:
            return
        if saving:
            good = resume_checkpoint(runner.work_dir)
            step = (checkpoint.get('meta') or {}).get('iter', runner.iter)
            message = (
                f'Refusing to save a checkpoint at iteration {step}: {len(bad)} entries hold '
                f'NaN or inf, e.g. {bad[:5]}. Nothing was written; the last good checkpoint is '
                f'{good or "(none yet)"}, and --resume continues from it. The run diverged: '
                f'lower the learning rate or clip gradients (optim_wrapper.clip_grad).')
        else:
            source = getattr(runner, '_load_from', None) or 'The checkpoint'
            message = (
                f'{source} holds NaN or inf in {len(bad)} entries, e.g. {bad[:5]}: it was '
                f'written after the run had diverged. Resume or evaluate an earlier checkpoint '
                f'instead (--resume <earlier.pth>, or --cfg-options load_from=<earlier.pth>).')
        raise NonFiniteCheckpointError(message)
