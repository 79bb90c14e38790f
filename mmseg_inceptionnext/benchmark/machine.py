"""The machine a figure was measured on: CPU model and vector extensions, threads, allocator
settings, versions. Every benchmark prints it and writes it to its JSON, since a speed ratio
holds for the machine it was taken on and no other."""
from __future__ import annotations

import os
import platform
from typing import Dict, List

import torch

#: CPU flags (as /proc/cpuinfo names them) that decide how fast fp32, int8 and bf16 run.
EXTENSIONS = {
    'avx2': 'AVX2',
    'avx512f': 'AVX-512',
    'avx512_vnni': 'AVX-512 VNNI',
    'avx_vnni': 'AVX-VNNI',
    'avx512_bf16': 'AVX-512 BF16',
    'amx_tile': 'AMX',
    'amx_int8': 'AMX-INT8',
    'amx_bf16': 'AMX-BF16',
}
#: Environment variables that change the allocator (and so the speed of eager PyTorch).
ALLOCATOR_VARIABLES = ('MALLOC_MMAP_THRESHOLD_', 'MALLOC_TRIM_THRESHOLD_', 'MALLOC_ARENA_MAX',
                       'MALLOC_TOP_PAD_', 'LD_PRELOAD', 'OMP_NUM_THREADS', 'KMP_AFFINITY')


def _cpuinfo_field(name: str) -> str:
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.split(':', 1)[0].strip() == name:
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return ''


def cpu_name() -> str:
    return _cpuinfo_field('model name') or platform.processor() or 'unknown'


def cpu_extensions() -> List[str]:
    """The extensions of :data:`EXTENSIONS` this CPU has (from /proc/cpuinfo; empty elsewhere)."""
    flags = set(_cpuinfo_field('flags').split())
    return [label for flag, label in EXTENSIONS.items() if flag in flags]


def int8_note() -> str:
    """What int8 inference can expect of this CPU's instructions."""
    ext = set(cpu_extensions())
    fast = sorted(ext & {'AVX-512 VNNI', 'AVX-VNNI', 'AMX-INT8'})
    if fast:
        return f'this CPU has {", ".join(fast)}: int8 matrix products run on dot-product units'
    return ('this CPU lacks VNNI and AMX: int8 runs, but without int8 dot-product units it may '
            'be no faster than fp32')


def allocator_settings() -> Dict[str, str]:
    return {k: os.environ[k] for k in ALLOCATOR_VARIABLES if k in os.environ}


def environment(device: str = 'cpu') -> Dict[str, object]:
    """Versions and hardware the numbers were taken on."""
    import timm
    env: Dict[str, object] = dict(torch=torch.__version__, timm=timm.__version__,
                                  python=platform.python_version(),
                                  threads=torch.get_num_threads(), device=device,
                                  cpu=cpu_name(), cpu_extensions=cpu_extensions(),
                                  cpu_count=os.cpu_count(), allocator=allocator_settings())
    try:
        import onnxruntime
        env['onnxruntime'] = onnxruntime.__version__
    except ImportError:
        pass
    if device.startswith('cuda'):
        env['gpu'] = torch.cuda.get_device_name(0)
    return env


def describe(env: Dict[str, object]) -> str:
    """One paragraph for the top of a benchmark's printout."""
    ext = ', '.join(env['cpu_extensions']) or 'none of ' + ', '.join(EXTENSIONS.values())
    alloc = ', '.join(f'{k}={v}' for k, v in env['allocator'].items()) or 'defaults'
    lines = [f"machine: {env['cpu']} ({env['cpu_count']} CPUs visible); extensions: {ext}",
             f"threads: {env['threads']}; allocator/threading variables: {alloc}",
             'versions: ' + ', '.join(f'{k} {env[k]}' for k in ('python', 'torch', 'timm',
                                                               'onnxruntime') if k in env)]
    if 'gpu' in env:
        lines.append(f"device: {env['device']} ({env['gpu']})")
    return '\n'.join(lines)
