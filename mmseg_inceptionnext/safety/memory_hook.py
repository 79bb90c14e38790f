"""MemoryMonitorHook: the resident memory of a run, logged and written to ``memory.json``."""
from __future__ import annotations

import json
import os
import os.path as osp

from mmengine.hooks import Hook

from ..plugin.registry import register_hook


def rss_mib() -> float:
    """Resident memory of this process in MiB (Linux ``/proc``; 0.0 where unavailable)."""
    try:
        with open('/proc/self/statm') as f:
            pages = int(f.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return pages * os.sysconf('SC_PAGE_SIZE') / 2**20


@register_hook
class MemoryMonitorHook(Hook):
    """Record the main process's resident memory every ``interval`` training iterations
    (into the message hub as ``train/rss_mib``, so it is logged) and write the series to
    ``<work_dir>/memory.json`` after training, for long-run leak checks."""

    def __init__(self, interval: int = 10) -> None:
        self.interval = interval
        self.samples = []

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if self.every_n_train_iters(runner, self.interval):
            rss = rss_mib()
            self.samples.append((runner.iter + 1, rss))
            runner.message_hub.update_scalar('train/rss_mib', rss)

    def after_train(self, runner) -> None:
        with open(osp.join(runner.work_dir, 'memory.json'), 'w') as f:
            json.dump(dict(interval=self.interval, samples=self.samples), f)
