"""Training and inference throughput of backbones, or of whole segmentors, side by side.

    python -m mmseg_inceptionnext benchmark [--models NAME ...] [--batch 8] [--size 224]
        [--repeats 10] [--warmup 2] [--baseline timm_convnext_tiny] [--device cpu]
        [--modes train infer] [--no-memory] [--json PATH]
    python -m mmseg_inceptionnext benchmark --segmentor CONFIG [CONFIG ...] [--shape 512 2048]
        [--modes infer] [--batch 1] [--fuse] [--channels-last] [--with-cp off|on|both]

Models are timed interleaved in one process (see mmseg_inceptionnext/benchmark.py), ratios
against the baseline (segmentors: the first config); ``--list`` prints the model names.
"""
import argparse

from mmseg_inceptionnext import benchmark as bm
from mmseg_inceptionnext.openmmlab.config_lookup import resolve_config


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--models', nargs='+', default=list(bm.DEFAULT_MODELS))
    parser.add_argument('--list', action='store_true', help='print the model names and exit')
    parser.add_argument('--modes', nargs='+', choices=bm.MODES,
                        help='default: train infer (backbones), infer (segmentors)')
    parser.add_argument('--batch', type=int, help='default: 8 (backbones), 1 (segmentors)')
    parser.add_argument('--size', type=int, nargs='+', default=[224], metavar='S',
                        help='backbone input size: S or H W (default 224)')
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--repeats', type=int, default=10)
    parser.add_argument('--baseline', default='timm_convnext_tiny')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--threads', type=int, help='torch.set_num_threads (default: torch\'s)')
    parser.add_argument('--no-memory', action='store_true', help='skip peak-memory probes')
    parser.add_argument('--json', metavar='PATH', help='also write the results as JSON')
    parser.add_argument('--segmentor', metavar='CONFIG', nargs='+',
                        help='time whole MMSegmentation models instead, side by side')
    parser.add_argument('--shape', type=int, nargs=2, default=[512, 2048], metavar=('H', 'W'),
                        help='segmentor input size (default 512 2048)')
    parser.add_argument('--fuse', action='store_true',
                        help='segmentors: fold BN and layer scale of InceptionNeXt backbones '
                        '(inference)')
    parser.add_argument('--channels-last', action='store_true',
                        help='segmentors: run channels-last')
    parser.add_argument('--compile', action='store_true',
                        help='segmentors: also time each config compiled for inference '
                        '(compile_for_inference)')
    parser.add_argument('--with-cp', choices=('off', 'on', 'both'), default='off',
                        help='segmentors: backbone activation checkpointing; both = each config '
                        'without and with it')
    args = parser.parse_args(argv)
    if args.threads:
        import torch
        torch.set_num_threads(args.threads)
    if args.list:
        print('\n'.join(sorted(bm.MODEL_SPECS)))
        return
    if args.segmentor:
        run_segmentors(parser, args)
    else:
        run_backbones(parser, args)


def run_segmentors(parser, args):
    modes = args.modes or ['infer']
    if (args.fuse or args.compile) and 'train' in modes:
        parser.error('--fuse and --compile are for inference only; use --modes infer')
    cps = {'off': [False], 'on': [True], 'both': [False, True]}[args.with_cp]
    specs = []
    for config in map(resolve_config, args.segmentor):
        for with_cp in cps:
            fuse = args.fuse and is_inceptionnext(config)
            specs.append(bm.SegmentorSpec(config, with_cp=with_cp, fuse=fuse,
                                          channels_last=args.channels_last))
    if args.compile:
        specs += [bm.SegmentorSpec(s.config, with_cp=s.with_cp, fuse=s.fuse,
                                   channels_last=s.channels_last, compiled=True) for s in specs]
    batch = args.batch or 1
    results = []
    for mode in modes:
        results += bm.run_segmentor_benchmark(specs, mode=mode, batch=batch,
                                              shape=tuple(args.shape), warmup=args.warmup,
                                              repeats=args.repeats, device=args.device,
                                              memory=not args.no_memory)
    print(bm.environment(args.device))
    print(bm.format_table(results, specs[0].label, bm.memory_note(args.device)))
    if args.json:
        settings = dict(segmentors=[s.label for s in specs], modes=modes, batch=batch,
                        shape=args.shape, warmup=args.warmup, repeats=args.repeats,
                        baseline=specs[0].label)
        bm.write_json(args.json, results, settings, args.device)


def is_inceptionnext(config):
    from mmengine.config import Config
    return Config.fromfile(config).model.backbone.type == 'InceptionNeXt'


def run_backbones(parser, args):
    if len(args.size) not in (1, 2):
        parser.error('--size takes one or two integers')
    size = (args.size[0], args.size[-1])
    modes = args.modes or list(bm.MODES)
    batch = args.batch or 8
    results = bm.run_benchmark(args.models, modes=modes, batch=batch, size=size,
                               warmup=args.warmup, repeats=args.repeats,
                               baseline=args.baseline, device=args.device,
                               memory=not args.no_memory)
    reference = bm.reference_gmac_per_s(args.device)
    print(bm.environment(args.device))
    print(bm.format_table(results, args.baseline, bm.memory_note(args.device)))
    print(f'GMAC/s: inference multiply-accumulates per second; for reference, a large 1x1 '
          f'convolution (1024 -> 1024 channels, channels-last) runs at {reference:.0f} GMAC/s '
          f'on this device')
    if args.json:
        settings = dict(models=args.models, modes=modes, batch=batch, size=size,
                        warmup=args.warmup, repeats=args.repeats, baseline=args.baseline,
                        reference_gmac_per_s=reference)
        bm.write_json(args.json, results, settings, args.device)


if __name__ == '__main__':
    main()
