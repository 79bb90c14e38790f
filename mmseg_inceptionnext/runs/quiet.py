"""Quiet runs (``--quiet``, the demos): the terminal shows the stage, training progress
(iteration, loss, time left) and the metrics; everything else the run prints, mmengine's log
with its config dump and the libraries' warnings included, goes to ``<work_dir>/console.log``,
beside mmengine's own log files."""
from __future__ import annotations

import contextlib
import math
import os
import os.path as osp
import sys
import time
from typing import Any, Dict, Iterator, Optional, TextIO

from mmengine.hooks import Hook


@contextlib.contextmanager
def quiet_console(work_dir: str) -> Iterator[TextIO]:
    """Send what is printed to ``<work_dir>/console.log``; yields the terminal's stream."""
    terminal = sys.stdout
    os.makedirs(work_dir, exist_ok=True)
    with open(osp.join(work_dir, 'console.log'), 'a') as log, \
            contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
        yield terminal


def _duration(seconds: float) -> str:
    if not math.isfinite(seconds):
        return '-'
    minutes, secs = divmod(int(round(seconds)), 60)
    return f'{minutes // 60}:{minutes % 60:02d}:{secs:02d}'


def _metrics(metrics: Optional[Dict[str, Any]]) -> str:
    shown = [(k.split('/')[-1], v) for k, v in (metrics or {}).items()
             if isinstance(v, (int, float))][:4]
    return ', '.join(f'{k} {v:.2f}' for k, v in shown) or 'no metrics'


class ConsoleProgress(Hook):
    """Prints a line at every tenth of training (iteration, loss, time left) and the metrics
    of each validation and test to ``stream``."""

    priority = 'VERY_LOW'

    def __init__(self, stream: TextIO, lines: int = 10) -> None:
        self.stream, self.lines = stream, lines
        self.start, self.first = 0.0, 0

    def _say(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def before_train(self, runner) -> None:
        self.start, self.first = time.time(), runner.iter
        self._say(f'[train] {runner.max_iters - runner.iter} iterations; full log: '
                  f'{osp.join(runner.work_dir, "console.log")}')

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        done, total = runner.iter + 1, runner.max_iters
        if done % max(1, total // self.lines) and done != total:
            return
        loss = float((outputs or {}).get('loss', math.nan))
        rate = (done - self.first) / max(time.time() - self.start, 1e-9)
        self._say(f'[train] iter {done}/{total}  loss {loss:.4f}  time left '
                  f'{_duration((total - done) / rate)}')

    def after_val_epoch(self, runner, metrics: Optional[Dict[str, float]] = None) -> None:
        self._say(f'[val] iter {runner.iter}: {_metrics(metrics)}')

    def after_test_epoch(self, runner, metrics: Optional[Dict[str, float]] = None) -> None:
        self._say(f'[test] {_metrics(metrics)}')
