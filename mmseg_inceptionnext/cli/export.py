"""Export a backbone or a whole trained segmentor to ONNX, and check it in ONNX Runtime.

    python -m mmseg_inceptionnext export --arch tiny [--family inceptionnext] [--checkpoint FILE] \
        [--shape 512 512] --out inceptionnext_tiny.onnx
    python -m mmseg_inceptionnext export --config CONFIG --checkpoint FILE --out seg.onnx \
        [--shape H W | --dynamic] [--int8 [--calibration IMAGE_OR_DIR ...]]

A backbone graph has one output per stage. A segmentor graph takes a normalised image and
returns logits at the input size (``encode_decode`` in 'whole' mode); the normalisation and
test resize it expects are stored in the file, for ``infer --onnx``, which fits any image to
a fixed-size graph. Either way the tool runs the graph in ONNX Runtime beside PyTorch (with
``--dynamic`` at a second size too) and prints how far apart they are; an fp32 graph that
drifts beyond 1e-4 relative is an error and its file is removed.
"""
import argparse
import json
import os
import sys

import torch

from mmseg_inceptionnext.models import BACKBONE_NETS, load_backbone_weights

#: Largest relative difference an fp32 graph may show against PyTorch.
FP32_TOLERANCE = 1e-4


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--config', help='export this segmentor config (with --checkpoint)')
    parser.add_argument('--family', default='inceptionnext', choices=sorted(BACKBONE_NETS))
    parser.add_argument('--arch', default='tiny', help='variant name or an arch dict as JSON')
    parser.add_argument('--checkpoint', help='weights to load (backbone: any accepted format; '
                        'segmentor: what train writes)')
    parser.add_argument('--shape', type=int, nargs=2, metavar=('H', 'W'),
                        help='graph input size (default: 512 512; segmentors: the crop size)')
    parser.add_argument('--dynamic', action='store_true',
                        help='dynamic batch, height and width')
    parser.add_argument('--int8', action='store_true',
                        help='quantize statically to int8 (segmentors), calibrated on '
                        '--calibration images')
    parser.add_argument('--calibration', nargs='+', metavar='IMAGE_OR_DIR',
                        help='your images for int8 calibration (default: photographs shipped '
                        'with scikit-image)')
    parser.add_argument('--out', required=True, help='ONNX file to write')
    args = parser.parse_args(argv)
    if args.config:
        return export_segmentor(parser, args)
    if args.int8:
        parser.error('--int8 is for segmentors (--config); for backbones use the library\'s '
                     'mmseg_inceptionnext.deploy.to_onnxruntime(model, x, int8=True)')
    return export_backbone(args)


def export_backbone(args) -> int:
    from mmseg_inceptionnext.deploy import OnnxRuntimeModel, compare_outputs, export_onnx
    arch = json.loads(args.arch) if args.arch.startswith('{') else args.arch
    model = BACKBONE_NETS[args.family](arch).eval()
    if args.checkpoint:
        load_backbone_weights(model, args.checkpoint)
    shape = tuple(args.shape or (512, 512))
    x = torch.randn(1, 3, *shape)
    export_onnx(model, x, args.out, output_names=[f'stage{i}' for i in model.out_indices],
                dynamic=args.dynamic)
    session = OnnxRuntimeModel(args.out)
    worst = 0.0
    for size in _check_sizes(shape, args.dynamic):
        x = torch.randn(1, 3, *size)
        with torch.no_grad():
            report = compare_outputs(model(x), session(x))
        worst = max(worst, report['max_rel'])
        print(f"wrote {args.out}; onnxruntime vs PyTorch at {size[0]}x{size[1]}: max relative "
              f"difference {report['max_rel']:.2e}")
    return _verdict(worst, args.out, int8=False, dynamic=args.dynamic)


def export_segmentor(parser, args) -> int:
    from mmengine.config import Config

    from mmseg_inceptionnext.deploy import compare_outputs
    from mmseg_inceptionnext.deploy.segmentor import SegmentorNetwork
    from mmseg_inceptionnext.deploy.segmentor import export_segmentor as export
    from mmseg_inceptionnext.plugin.config_names import resolve_config
    from mmseg_inceptionnext.runs.seg_drawing import list_images, load_segmentor, read_rgb
    if not args.checkpoint:
        parser.error('--config needs --checkpoint (the trained segmentor)')
    config = resolve_config(args.config)
    cfg = Config.fromfile(config)
    shape = tuple(args.shape or cfg.get('crop_size') or (512, 512))
    model = load_segmentor(config, args.checkpoint)
    images = [read_rgb(f) for f in list_images(args.calibration)] if args.calibration else None
    session = export(model, cfg, args.out, shape=shape, dynamic=args.dynamic, int8=args.int8,
                     calibration_images=images)
    torch.manual_seed(0)
    worst = 0.0
    for size in _check_sizes(shape, args.dynamic):
        x = torch.randn(1, 3, *size)
        with torch.no_grad():
            report = compare_outputs(SegmentorNetwork(model).eval()(x), session(x), logits=True)
        worst = max(worst, report['max_rel'])
        agreement = 100 * report['argmax_agreement']
        print(f"wrote {args.out}; onnxruntime{' int8' if args.int8 else ''} vs PyTorch at "
              f"{size[0]}x{size[1]}: max abs difference {report['max_abs']:.2e} (relative "
              f"{report['max_rel']:.2e}), arg-max agreement {agreement:.2f}%")
    return _verdict(worst, args.out, int8=args.int8, dynamic=args.dynamic)


def _check_sizes(shape, dynamic):
    """The export size, and for a dynamic graph another one (not a multiple of 32)."""
    return [shape] + ([(shape[0] + 36, max(8, shape[1] - 27))] if dynamic else [])


def _verdict(max_rel: float, path: str, *, int8: bool, dynamic: bool) -> int:
    if int8 or max_rel <= FP32_TOLERANCE:
        return 0
    os.remove(path)
    hint = (' At sizes other than the export size the graph computes something else: some '
            'layer fixes its sizes while traced (MMSegmentation\'s PPM adaptive pooling in '
            'UperNet and the Upsample of the FPN head do). Export a fixed size (--shape H W, '
            'no --dynamic): `infer --onnx` fits every image to it.' if dynamic else '')
    print(f'error: the exported graph does not match PyTorch (max relative difference '
          f'{max_rel:.2e} > {FP32_TOLERANCE:g}); {path} was removed.{hint}', file=sys.stderr)
    return 1


if __name__ == '__main__':
    sys.exit(main())
