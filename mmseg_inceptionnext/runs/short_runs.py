"""Config overrides for short runs of a config (the demos, the memory soak, tests): one rule for
the warm-up and the learning-rate schedule whatever the length."""
from __future__ import annotations

from typing import List

#: Warm-up: a tenth of the run, at least 1 and at most this many iterations.
WARMUP_CAP = 40


def warmup_iters(iters: int) -> int:
    """Warm-up iterations of a run of ``iters`` iterations."""
    return max(1, min(WARMUP_CAP, iters // 10))


def schedule_options(iters: int, decay: str = 'poly') -> List[str]:
    """``--cfg-options`` that shorten a config's schedule to ``iters`` iterations: validation
    and a checkpoint at the end, a linear warm-up (``param_scheduler.0``), then the config's
    decay (``param_scheduler.1``) rescaled.

    Args:
        iters: Training iterations (at least 2).
        decay: 'poly' (the segmentation configs: ``PolyLR`` from the warm-up's end) or 'step'
            (the detection configs: ``MultiStepLR`` with its steps at 75 % and 92 %).
    """
    if iters < 2:
        raise ValueError(f'A run needs at least 2 iterations (warm-up, then decay), got {iters}.')
    warmup = warmup_iters(iters)
    options = [f'train_cfg.max_iters={iters}', f'train_cfg.val_interval={iters}',
               f'default_hooks.checkpoint.interval={iters}', f'param_scheduler.0.end={warmup}',
               f'param_scheduler.1.end={iters}']
    if decay == 'poly':
        return options + [f'param_scheduler.1.begin={warmup}']
    if decay == 'step':
        return options + [f'param_scheduler.1.milestones=[{int(iters * 0.75)},'
                          f'{int(iters * 0.92)}]']
    raise ValueError(f"Unknown decay {decay!r}; use 'poly' or 'step'.")
