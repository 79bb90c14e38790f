"""Printing and saving benchmark results, with the machine they were measured on."""
from __future__ import annotations

import json
from dataclasses import asdict
from typing import Dict, Sequence

from .machine import environment
from .timing import Result


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
            '(their first steps compile) nor for ONNX Runtime sessions')


def write_json(path: str, results: Sequence[Result], settings: Dict, device: str) -> None:
    """Write settings, the machine (:func:`environment`) and results to ``path``."""
    payload = dict(settings=settings, environment=environment(device),
                   memory=memory_note(device), results=[asdict(r) for r in results])
    with open(path, 'w') as f:
        json.dump(payload, f, indent=2)
