"""Train the demo config for a few hundred iterations and report resident-memory growth.

    python -m mmseg_inceptionnext soak [--iters 300] [--bound-mib 100]

Memory is sampled every 10 iterations by MemoryMonitorHook. The first samples include
allocator warm-up, so growth is measured from the sample at 20% of the run to the last
one; the command fails when it exceeds ``--bound-mib``.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys

from mmseg_inceptionnext.runs.short_runs import schedule_options
from mmseg_inceptionnext.synthetic import make_ade20k_like


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--iters', type=int, default=300)
    parser.add_argument('--bound-mib', type=float, default=100.0)
    parser.add_argument('--work-dir', default='work_dirs/memory_soak')
    parser.add_argument('--data-root', default='data/synthetic_ade')
    args = parser.parse_args(argv)
    make_ade20k_like(args.data_root, num_train=400, num_val=60, size=(128, 128))
    root = osp.join(args.data_root, 'ADEChallengeData2016')
    os.makedirs(args.work_dir, exist_ok=True)
    config = osp.join(args.work_dir, 'soak_config.py')
    with open(config, 'w') as f:
        f.write("_base_ = 'mmseg_inceptionnext::demo/upernet_inceptionnext_a_synthetic.py'\n"
                "custom_hooks = [dict(type='MemoryMonitorHook')]\n")
    subprocess.run([
        sys.executable, '-m', 'mmseg_inceptionnext', 'train', config, '--work-dir',
        args.work_dir, '--cfg-options', f'train_dataloader.dataset.data_root={root}',
        f'val_dataloader.dataset.data_root={root}', *schedule_options(args.iters, 'poly'),
        'default_hooks.logger.interval=50'
    ], check=True)
    with open(osp.join(args.work_dir, 'memory.json')) as f:
        samples = json.load(f)['samples']
    start = samples[len(samples) // 5]
    end = samples[-1]
    peak = max(rss for _, rss in samples)
    growth = end[1] - start[1]
    print(f'[memory] RSS {start[1]:.0f} MiB at iteration {start[0]} -> {end[1]:.0f} MiB at '
          f'iteration {end[0]} (growth {growth:+.1f} MiB, peak {peak:.0f} MiB, bound '
          f'{args.bound_mib:.0f} MiB)')
    return 0 if growth <= args.bound_mib else 1


if __name__ == '__main__':
    sys.exit(main())
