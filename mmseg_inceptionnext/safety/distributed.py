"""Distributed training and testing on CPUs (gloo) through ``--launcher pytorch``: the set-up
mmengine lacks there (:func:`prepare_cpu_distributed`) and the end of a run
(:func:`end_distributed`), on GPUs as well."""
from __future__ import annotations

import os
import threading
import time
from typing import Any, List, Optional, Tuple

import torch
from mmengine.config import Config


def _syncbn_to_bn(obj: Any) -> Tuple[Any, int]:
    """Replace ``type='SyncBN'`` by ``'BN'`` in a config tree; return it and the count."""
    if isinstance(obj, dict):
        count, out = 0, type(obj)()
        for key, value in obj.items():
            if key == 'type' and value == 'SyncBN':
                out[key], count = 'BN', count + 1
            else:
                out[key], n = _syncbn_to_bn(value)
                count += n
        return out, count
    if isinstance(obj, (list, tuple)):
        pairs = [_syncbn_to_bn(v) for v in obj]
        return type(obj)(p[0] for p in pairs), sum(p[1] for p in pairs)
    return obj, 0


def prepare_cpu_distributed(cfg: Config) -> None:
    """Let ``--launcher pytorch`` train on CPUs (gloo), where mmengine would call
    ``torch.cuda.set_device``: start the process group here (mmengine then skips its
    own start), give DDP no device ids, and fall back from SyncBN, which needs GPUs, to BN
    with per-process batch statistics (logged)."""
    if cfg.launcher != 'pytorch' or torch.cuda.is_available():
        return
    import torch.distributed as dist
    from mmengine.logging import print_log
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo')
    wrapper = dict(cfg.get('model_wrapper_cfg') or {})
    wrapper.setdefault('type', 'MMDistributedDataParallel')
    wrapper.setdefault('broadcast_buffers', False)
    wrapper.setdefault('find_unused_parameters', cfg.get('find_unused_parameters', False))
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
    cfg.model, replaced = _syncbn_to_bn(cfg.model)
    if replaced and dist.get_rank() == 0:
        print_log(f'Distributed training on CPUs (gloo): SyncBN needs GPUs, so the config\'s '
                  f'{replaced} SyncBN norm_cfg entries build BN here; each of the '
                  f'{dist.get_world_size()} processes normalises with its own batch '
                  f'statistics.', logger='current', level=30)


def end_distributed(settle_timeout: float = 5.0) -> None:
    """Wait for every process, close the process group (mmengine never does), then let the
    process group's worker threads finish (:func:`wait_for_idle_threads`).

    A gloo worker thread that lets go of the last C++ reference to a tensor Python also
    holds takes the GIL to release the tensor's Python object. If the interpreter has begun
    to finalize by then, that thread is ended in the middle of a C++ destructor and the
    process aborts ('terminate called without an active exception', exit code -6) after
    its last checkpoint was written; ``dist.barrier()`` makes it likely, because gloo frees
    the collectives before a barrier only when the thread that ran the barrier lets go of
    it. Seen in 2-process CPU training on a loaded 2-core machine: 5 of 18 runs aborted with
    a barrier and no wait.
    """
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
        wait_for_idle_threads(settle_timeout)


def _thread_states() -> Optional[List[str]]:
    """The scheduler state (``R``, ``S``, ``D``...) of every other thread of this process,
    or ``None`` where ``/proc`` does not say."""
    me = threading.get_native_id()
    states = []
    try:
        for tid in os.listdir('/proc/self/task'):
            if int(tid) != me:
                with open(f'/proc/self/task/{tid}/stat') as f:
                    states.append(f.read().rsplit(')', 1)[1].split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return states


def wait_for_idle_threads(timeout: float = 5.0, interval: float = 0.01) -> bool:
    """Sleep (the GIL released) until every other thread of this process has been blocked at
    two checks in a row, or ``timeout`` seconds have passed: a thread that waits for the GIL
    to finish its work becomes runnable while this one sleeps, so two idle checks mean that
    nothing is left to finish. Returns whether the threads went idle (without ``/proc``, it
    sleeps ``interval`` once and returns ``False``)."""
    deadline = time.monotonic() + timeout
    idle_checks = 0
    while True:
        time.sleep(interval)
        states = _thread_states()
        if states is None:
            return False
        idle_checks = idle_checks + 1 if all(s in 'SDITZ' for s in states) else 0
        if idle_checks == 2:
            return True
        if time.monotonic() > deadline:
            return False
