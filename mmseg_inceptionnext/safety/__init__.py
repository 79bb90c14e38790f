"""Run-safety add-ons: generic mmengine pieces that a config switches on.

- :class:`BadSampleGuard` (transform) and :class:`BadSampleHook`: skip and report unreadable
  or malformed training samples, up to a limit;
- :class:`NonFiniteCheckHook`: stop on a non-finite loss and never save non-finite weights;
- :class:`SafeCheckpointHook` and the ``atomic_local`` file backend (:mod:`.checkpoint_io`):
  checkpoints that load as tensors on every torch, written atomically;
- :mod:`.safe_load`: weights-only loading for every checkpoint mmengine reads;
- :class:`DatasetCheckingRunner`: one sentence for a split that cannot work, before the model
  is built (:mod:`.dataset_check`);
- :class:`MemoryMonitorHook`: resident memory per iteration;
- :mod:`.distributed`: multi-process training on CPU (gloo).
"""
from . import checkpoint_io, safe_load
from .bad_sample_hook import BadSampleHook
from .bad_samples import BadSampleGuard
from .checkpoint_hook import SafeCheckpointHook
from .dataset_check import DatasetCheckingRunner
from .memory_hook import MemoryMonitorHook
from .nonfinite import NonFiniteCheckHook

__all__ = [
    'BadSampleGuard', 'BadSampleHook', 'DatasetCheckingRunner', 'MemoryMonitorHook',
    'NonFiniteCheckHook', 'SafeCheckpointHook', 'checkpoint_io', 'safe_load'
]

safe_load.allow_mmengine_checkpoints()
safe_load.use_weights_only_loading()
