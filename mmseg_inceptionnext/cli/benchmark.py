"""Training and inference throughput of backbones, or of whole segmentors, side by side.

    python -m mmseg_inceptionnext benchmark [--models NAME ...] [--batch 8] [--size 224]
        [--repeats 10] [--warmup 2] [--baseline timm_convnext_tiny] [--device cpu]
        [--modes train infer] [--no-memory] [--json PATH] [--plot PNG] [--amp bf16|fp16]
    python -m mmseg_inceptionnext benchmark --segmentor CONFIG [CONFIG ...] [--shape 512 2048]
        [--modes infer] [--batch 1] [--fuse] [--channels-last] [--with-cp off|on|both]
        [--compile] [--onnx] [--int8]
    python -m mmseg_inceptionnext benchmark --from-json PATH --plot PNG

Models are timed interleaved in one process (see mmseg_inceptionnext/benchmark/), ratios
against the baseline (segmentors: the first config); ``--list`` prints the model names.
The machine (CPU model, vector extensions, threads, allocator settings) is printed and
written to the JSON with the figures, and named in the title of the ``--plot`` picture
(images per second per model and mode, the ratio to the baseline on each bar);
``--from-json`` draws the picture of a saved run without timing anything. ONNX Runtime
rows: backbones ``*_ort`` / ``*_ort_int8`` (``--int8`` adds the int8 ones), segmentors
``--onnx`` / ``--int8``. ``--amp`` runs the PyTorch models under autocast (default models
then: channels-last, eager and compiled, InceptionNeXt-T against ConvNeXt-T; meant for a GPU,
bf16 also runs on CPUs).
"""
import argparse
import os
from dataclasses import replace

from mmseg_inceptionnext import benchmark as bm
from mmseg_inceptionnext.plugin.config_names import resolve_config

#: On/off options of ``--segmentor`` runs.
SEGMENTOR_FLAGS = (
    ('--onnx', 'also time each config in ONNX Runtime (fp32)'),
    ('--fuse', 'fold BN and layer scale of InceptionNeXt backbones (inference)'),
    ('--channels-last', 'run channels-last'),
    ('--compile', 'also time each config compiled for inference (compile_for_inference)'),
)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--models', nargs='+',
                        help='default: a standard set (with --amp: the AMP set, with --int8: '
                        'plus the ONNX Runtime fp32 and int8 rows)')
    parser.add_argument('--amp', choices=sorted(bm.AMP_DTYPES),
                        help='autocast dtype for PyTorch models (fp16: CUDA only)')
    parser.add_argument('--int8', action='store_true',
                        help='backbones: add ONNX Runtime fp32 and int8 rows; segmentors: '
                        'time each config in ONNX Runtime at int8 too')
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
    parser.add_argument('--plot', metavar='PNG', help='also draw the results into a PNG')
    parser.add_argument('--from-json', metavar='PATH',
                        help='draw --plot from the JSON of an earlier run, timing nothing')
    seg = parser.add_argument_group('whole segmentors')
    seg.add_argument('--segmentor', metavar='CONFIG', nargs='+',
                     help='time whole MMSegmentation models instead, side by side')
    seg.add_argument('--shape', type=int, nargs=2, default=[512, 2048], metavar=('H', 'W'),
                     help='input size (default 512 2048)')
    for flag, text in SEGMENTOR_FLAGS:
        seg.add_argument(flag, action='store_true', help=text)
    seg.add_argument('--with-cp', choices=('off', 'on', 'both'), default='off',
                     help='backbone activation checkpointing; both = each config without and '
                     'with it')
    args = parser.parse_args(argv)
    if args.threads:
        import torch
        torch.set_num_threads(args.threads)
    if args.list:
        print('\n'.join(sorted(bm.MODEL_SPECS)))
        return
    for flag, path in (('--plot', args.plot), ('--json', args.json)):
        folder = os.path.dirname(os.path.abspath(path)) if path else None
        if folder and not os.path.isdir(folder):  # found out before the timing, not after
            parser.error(f'{flag} {path}: the folder {folder} does not exist')
    if args.from_json:
        if not args.plot:
            parser.error('--from-json draws a picture: give --plot PNG')
        results, baseline, env = bm.read_json(args.from_json)
        bm.plot_results(args.plot, results, baseline, env)
        print(f'plot: {args.plot}')
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
            specs.append(bm.SegmentorSpec(config, with_cp=with_cp, fused=fuse,
                                          channels_last=args.channels_last))
    eager = list(specs)
    if args.compile:
        specs += [replace(s, compiled=True) for s in eager]
    if args.onnx or args.int8:
        if 'train' in modes:
            parser.error('--onnx and --int8 are for inference only; use --modes infer')
        plain = [s for s in eager if not s.with_cp]  # checkpointing means nothing there
        if args.onnx:
            specs += [replace(s, channels_last=False, runtime='onnxruntime') for s in plain]
        if args.int8:
            specs += [replace(s, channels_last=False, runtime='onnxruntime', int8=True)
                      for s in plain]
    batch = args.batch or 1
    results = []
    for mode in modes:
        results += bm.run_segmentor_benchmark(specs, mode=mode, batch=batch,
                                              shape=tuple(args.shape), warmup=args.warmup,
                                              repeats=args.repeats, device=args.device,
                                              memory=not args.no_memory, amp=args.amp)
    print_machine(args.device, args.int8)
    print(bm.format_table(results, specs[0].label, bm.memory_note(args.device)))
    save(args, results, specs[0].label)
    if args.json:
        settings = dict(segmentors=[s.label for s in specs], modes=modes, batch=batch,
                        shape=args.shape, warmup=args.warmup, repeats=args.repeats,
                        baseline=specs[0].label, amp=args.amp)
        bm.write_json(args.json, results, settings, args.device)


def save(args, results, baseline):
    if args.plot:
        bm.plot_results(args.plot, results, baseline, bm.environment(args.device))
        print(f'plot: {args.plot}')


def print_machine(device, int8):
    print(bm.describe(bm.environment(device)))
    if int8:
        print(f'int8: {bm.int8_note()}')


def is_inceptionnext(config):
    from mmengine.config import Config
    return Config.fromfile(config).model.backbone.type == 'InceptionNeXt'


def run_backbones(parser, args):
    if len(args.size) not in (1, 2):
        parser.error('--size takes one or two integers')
    size = (args.size[0], args.size[-1])
    modes = args.modes or list(bm.MODES)
    batch = args.batch or 8
    models = args.models or list(bm.AMP_MODELS if args.amp else bm.DEFAULT_MODELS)
    if args.int8 and not args.models:
        models += [m for m in bm.MODEL_SPECS if m.endswith(('_ort', '_ort_int8'))]
    results = bm.run_benchmark(models, modes=modes, batch=batch, size=size,
                               warmup=args.warmup, repeats=args.repeats,
                               baseline=args.baseline, device=args.device,
                               memory=not args.no_memory, amp=args.amp)
    reference = bm.reference_gmac_per_s(args.device)
    print_machine(args.device, args.int8 or any(bm.MODEL_SPECS[m].int8 for m in models))
    print(bm.format_table(results, args.baseline, bm.memory_note(args.device)))
    print(f'GMAC/s: inference multiply-accumulates per second; for reference, a large 1x1 '
          f'convolution (1024 -> 1024 channels, channels-last) runs at {reference:.0f} GMAC/s '
          f'on this device')
    save(args, results, args.baseline)
    if args.json:
        settings = dict(models=models, modes=modes, batch=batch, size=size,
                        warmup=args.warmup, repeats=args.repeats, baseline=args.baseline,
                        reference_gmac_per_s=reference, amp=args.amp)
        bm.write_json(args.json, results, settings, args.device)


if __name__ == '__main__':
    main()
