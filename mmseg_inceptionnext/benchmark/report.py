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


def read_json(path: str):
    """``(results, baseline, environment)`` of a file :func:`write_json` wrote."""
    with open(path) as f:
        payload = json.load(f)
    results = [Result(**r) for r in payload['results']]
    return results, payload['settings']['baseline'], payload['environment']


def write_json(path: str, results: Sequence[Result], settings: Dict, device: str) -> None:
    """Write settings, the machine (:func:`environment`) and results to ``path``."""
    payload = dict(settings=settings, environment=environment(device),
                   memory=memory_note(device), results=[asdict(r) for r in results])
    with open(path, 'w') as f:
        json.dump(payload, f, indent=2)


def plot_results(path: str, results: Sequence[Result], baseline: str,
                 env: Dict[str, object]) -> None:
    """Draw ``results`` into the PNG ``path``: images per second of each model, one panel per
    mode, the ratio to ``baseline`` on each bar and the machine in the title.

    Args:
        path: Where to write the picture (``.png``).
        results: As :func:`format_table` takes them.
        baseline: The model the ratios are taken against (its bar is drawn darker).
        env: :func:`~.machine.environment` of the machine the results were measured on.
    """
    import matplotlib
    matplotlib.use('Agg')  # files only: no display needed
    import matplotlib.pyplot as plt

    modes = list(dict.fromkeys(r.mode for r in results))
    rows = max(len([r for r in results if r.mode == m]) for m in modes)
    fig, axes = plt.subplots(1, len(modes), squeeze=False,
                             figsize=(6.5 * len(modes), 1.2 + 0.45 * rows))
    for ax, mode in zip(axes[0], modes):
        shown = [r for r in results if r.mode == mode and r.img_per_s]
        names = [r.model for r in shown]
        rates = [r.img_per_s for r in shown]
        colors = ['#1f4e79' if r.model == baseline else '#5b9bd5' for r in shown]
        bars = ax.barh(range(len(shown)), rates, color=colors)
        ax.set_yticks(range(len(shown)), names, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel('images / s')
        ax.set_title(mode)
        ax.set_xlim(0, max(rates + [1e-9]) * 1.25)
        for bar, r in zip(bars, shown):
            label = f'{r.img_per_s:.3g}' + (f'  ({r.ratio:.2f}x)' if r.ratio else '')
            ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, ' ' + label,
                    va='center', fontsize=8)
    ext = ', '.join(env.get('cpu_extensions') or []) or 'no AVX2, AVX-512 or AMX'
    fig.suptitle(f"{env.get('cpu', 'unknown CPU')}, {env.get('threads')} threads ({ext}); "
                 f'ratios against {baseline}', fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
