"""Training and inference throughput of backbones side by side, or segmentor FPS.

    python tools/benchmark.py [--models NAME ...] [--batch 8] [--size 224]
        [--repeats 10] [--warmup 2] [--baseline timm_convnext_tiny] [--device cpu]
        [--modes train infer] [--no-memory] [--json PATH]
    python tools/benchmark.py --segmentor CONFIG [--shape 512 2048] [--fuse] [--channels-last]

Models are timed interleaved in one process (see mmseg_inceptionnext/benchmark.py);
``--list`` prints the known model names.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from mmseg_inceptionnext import benchmark as bm  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--models', nargs='+', default=list(bm.DEFAULT_MODELS))
    parser.add_argument('--list', action='store_true', help='print the model names and exit')
    parser.add_argument('--modes', nargs='+', default=list(bm.MODES), choices=bm.MODES)
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--size', type=int, nargs='+', default=[224], metavar='S',
                        help='input size: S or H W (default 224)')
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--repeats', type=int, default=10)
    parser.add_argument('--baseline', default='timm_convnext_tiny')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--threads', type=int, help='torch.set_num_threads (default: torch\'s)')
    parser.add_argument('--no-memory', action='store_true', help='skip peak-memory probes')
    parser.add_argument('--json', metavar='PATH', help='also write the results as JSON')
    parser.add_argument('--segmentor', metavar='CONFIG',
                        help='time a whole MMSegmentation model instead (inference, batch 1)')
    parser.add_argument('--shape', type=int, nargs=2, default=[512, 2048], metavar=('H', 'W'),
                        help='segmentor input size (default 512 2048)')
    parser.add_argument('--fuse', action='store_true', help='segmentor: fuse the backbone')
    parser.add_argument('--channels-last', action='store_true',
                        help='segmentor: run channels-last')
    args = parser.parse_args(argv)
    if args.threads:
        import torch
        torch.set_num_threads(args.threads)
    if args.list:
        print('\n'.join(sorted(bm.MODEL_SPECS)))
        return
    if args.segmentor:
        out = bm.benchmark_segmentor(args.segmentor, shape=tuple(args.shape),
                                     warmup=args.warmup, repeats=args.repeats,
                                     device=args.device, fuse=args.fuse,
                                     channels_last=args.channels_last)
        out.update(config=args.segmentor, shape=args.shape, fuse=args.fuse,
                   channels_last=args.channels_last, environment=bm.environment(args.device))
        print(json.dumps(out, indent=2))
        if args.json:
            with open(args.json, 'w') as f:
                json.dump(out, f, indent=2)
        return
    if len(args.size) not in (1, 2):
        parser.error('--size takes one or two integers')
    size = (args.size[0], args.size[-1])
    results = bm.run_benchmark(args.models, modes=args.modes, batch=args.batch, size=size,
                               warmup=args.warmup, repeats=args.repeats,
                               baseline=args.baseline, device=args.device,
                               memory=not args.no_memory)
    print(bm.environment(args.device))
    print(bm.format_table(results, args.baseline, bm.memory_note(args.device)))
    if args.json:
        settings = dict(models=args.models, modes=args.modes, batch=args.batch, size=size,
                        warmup=args.warmup, repeats=args.repeats, baseline=args.baseline)
        bm.write_json(args.json, results, settings, args.device)


if __name__ == '__main__':
    main()
