"""SafeCheckpointHook: checkpoints that load with ``torch.load(weights_only=True)`` on every torch.

:class:`SafeCheckpointHook` makes the checkpoints a run writes readable with
``torch.load(..., weights_only=True)``, the default of torch >= 2.6, so that
``--resume`` and ``tools/test.py`` never need unsafe unpickling. mmengine stores its
``MessageHub`` (``HistoryBuffer`` objects holding numpy arrays, numpy scalars) in every
checkpoint; this hook stores those as tensors and plain numbers and rebuilds them when
the checkpoint is loaded back. It also stores the random number generators' states
(torch, numpy, Python) and restores them on resume, so that a resumed run draws the
same dropout / drop-path masks as an uninterrupted one.

Our model bases add this hook, so every run of our configs writes this format, with any
tool. The allow-list of :mod:`.safe_load` stays beside it for checkpoints written elsewhere
(mmengine's own ``CheckpointHook``, other configs and projects): torch offers allow-lists only
from 2.6, so without this hook our checkpoints would not load on torch 2.1-2.5, and without
the allow-list those other checkpoints would not load at all.
"""
from __future__ import annotations

import random
from collections import Counter
from typing import Any, Dict, List

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.logging import HistoryBuffer

from ..plugin.registry import register_hook

_TAG = '__history_buffer__'


def _plain(value: Any) -> Any:
    """numpy scalars and arrays -> Python numbers and tensors, recursively."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return torch.from_numpy(np.ascontiguousarray(value))
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    return value


def encode_message_hub(state: Dict[str, Any]) -> Dict[str, Any]:
    """A ``MessageHub.state_dict()`` holding only weights-only-loadable types."""
    out = dict(state)
    out['log_scalars'] = {
        key: {_TAG: True, 'max_length': buf.max_length,
              'log_history': torch.from_numpy(np.asarray(buf._log_history, dtype=np.float64)),
              'count_history': torch.from_numpy(np.asarray(buf._count_history,
                                                           dtype=np.float64))}
        if isinstance(buf, HistoryBuffer) else _plain(buf)
        for key, buf in state.get('log_scalars', {}).items()
    }
    out['runtime_info'] = _plain(state.get('runtime_info', {}))
    return out


def decode_message_hub(state: Dict[str, Any]) -> Dict[str, Any]:
    """Inverse of :func:`encode_message_hub` (other values pass through)."""
    out = dict(state)
    out['log_scalars'] = {
        key: HistoryBuffer(buf['log_history'].numpy().tolist(),
                           buf['count_history'].numpy().tolist(), buf['max_length'])
        if isinstance(buf, dict) and buf.get(_TAG) else buf
        for key, buf in state.get('log_scalars', {}).items()
    }
    return out


def rng_state() -> Dict[str, Any]:
    """The torch, numpy and Python RNG states as weights-only-loadable values."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    version, internal, gauss_next = random.getstate()
    return dict(torch=torch.get_rng_state(),
                numpy=dict(kind=kind, keys=torch.from_numpy(keys.astype(np.int64)), pos=pos,
                           has_gauss=has_gauss, cached_gaussian=cached),
                python=dict(version=version, internal=torch.tensor(internal, dtype=torch.int64),
                            gauss_next=gauss_next))


def set_rng_state(state: Dict[str, Any]) -> None:
    """Inverse of :func:`rng_state`."""
    torch.set_rng_state(state['torch'])
    n = state['numpy']
    np.random.set_state((n['kind'], n['keys'].numpy().astype(np.uint32), n['pos'],
                         n['has_gauss'], n['cached_gaussian']))
    p = state['python']
    random.setstate((p['version'], tuple(p['internal'].tolist()), p['gauss_next']))


def _scheduler_states(schedulers: Any) -> List[dict]:
    """The scheduler state dicts of a checkpoint's ``param_schedulers`` (a list, or a dict of
    lists with several optimizers)."""
    groups = schedulers.values() if isinstance(schedulers, dict) else [schedulers or []]
    return [state for group in groups for state in group if isinstance(state, dict)]


@register_hook
class SafeCheckpointHook(Hook):
    """Write checkpoints that load with ``weights_only=True`` (see module docstring)."""

    priority = 'VERY_LOW'  # after every hook that adds to the checkpoint

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if 'message_hub' in checkpoint:
            checkpoint['message_hub'] = encode_message_hub(checkpoint['message_hub'])
        checkpoint['meta'] = _plain(checkpoint.get('meta', {}))
        if 'param_schedulers' in checkpoint:
            # MultiStepParamScheduler keeps its milestones in a collections.Counter, which
            # torch < 2.4's weights-only unpickler refuses: stored as a dict
            checkpoint['param_schedulers'] = _plain(checkpoint['param_schedulers'])
        checkpoint['rng_state'] = rng_state()

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if 'message_hub' in checkpoint:
            checkpoint['message_hub'] = decode_message_hub(checkpoint['message_hub'])
        for state in _scheduler_states(checkpoint.get('param_schedulers')):
            if isinstance(state.get('milestones'), dict):
                state['milestones'] = Counter(state['milestones'])
        if getattr(runner, '_resume', False) and 'rng_state' in checkpoint:
            set_rng_state(checkpoint['rng_state'])
