"""Export a backbone or a whole trained segmentor to ONNX, and check it in ONNX Runtime.

    python -m mmseg_inceptionnext export --arch tiny [--family inceptionnext] [--checkpoint FILE] \
        [--shape 512 512] --out inceptionnext_tiny.onnx
    python -m mmseg_inceptionnext export --config CONFIG --checkpoint FILE --out seg.onnx \
        [--shape H W] [--dynamic] [--int8 [--calibration IMAGE_OR_DIR ...]]

A backbone graph has one output per stage. A segmentor graph takes a normalised image and
returns logits at the input size (``encode_decode`` in 'whole' mode); the normalisation and
test resize it expects are stored in the file, for ``infer --onnx``, which fits any image to
a fixed-size graph. ``--dynamic`` makes batch, height and width dynamic (UperNet's pyramid
pooling and the FPN head's upsampling are exported in forms that keep sizes symbolic).

Either way the tool runs the graph in ONNX Runtime beside PyTorch (with ``--dynamic`` at two
more sizes, neither a multiple of 32, one of them at batch 2) and prints how far apart they
are. The graph is written to a temporary folder beside ``--out`` and takes its name only once
the checks pass: an fp32 graph that drifts beyond 1e-4 relative, or that ONNX Runtime fails
to run, is refused with an error, and ``--out`` (new or already there) is left as it was.
A ``--calibration`` file that cannot be read is named and left out; the export then ends with
the list of such files and exit status 1 (fewer than two readable images: no export).
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
from typing import Callable, List, Optional, Sequence, Tuple

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
    from mmseg_inceptionnext.deploy import OnnxRuntimeModel, export_onnx
    arch = json.loads(args.arch) if args.arch.startswith('{') else args.arch
    model = BACKBONE_NETS[args.family](arch).eval()
    if args.checkpoint:
        load_backbone_weights(model, args.checkpoint)
    shape = tuple(args.shape or (512, 512))

    def write(path):
        export_onnx(model, torch.randn(1, 3, *shape), path, dynamic=args.dynamic,
                    output_names=[f'stage{i}' for i in model.out_indices])
        return OnnxRuntimeModel(path)
    return _export_checked(args.out, write, model, shape, dynamic=args.dynamic, logits=False,
                           int8=False)


def export_segmentor(parser, args) -> int:
    from mmengine.config import Config

    from mmseg_inceptionnext.deploy.int8 import read_calibration
    from mmseg_inceptionnext.deploy.segmentor import SegmentorNetwork
    from mmseg_inceptionnext.deploy.segmentor import export_segmentor as export
    from mmseg_inceptionnext.plugin.config_names import resolve_config
    from mmseg_inceptionnext.runs.seg_drawing import SkipLog, list_images, load_segmentor
    if not args.checkpoint:
        parser.error('--config needs --checkpoint (the trained segmentor)')
    config = resolve_config(args.config)
    cfg = Config.fromfile(config)
    shape = tuple(args.shape or cfg.get('crop_size') or (512, 512))
    skipped = SkipLog()
    images = (read_calibration(list_images(args.calibration), skipped)
              if args.int8 and args.calibration else None)
    model = load_segmentor(config, args.checkpoint)

    def write(path):
        return export(model, cfg, path, shape=shape, dynamic=args.dynamic, int8=args.int8,
                      calibration_images=images)
    status = _export_checked(args.out, write, SegmentorNetwork(model).eval(), shape,
                             dynamic=args.dynamic, logits=True, int8=args.int8)
    if skipped.items:
        return skipped.summarize(f'int8 calibrated on {len(images)} images')
    return status


def _export_checked(out: str, write: Callable[[str], Callable], reference: torch.nn.Module,
                    shape: Tuple[int, int], *, dynamic: bool, logits: bool, int8: bool) -> int:
    """``write(path)`` exports into a hidden temporary folder beside ``out`` and returns the
    graph in ONNX Runtime; it is checked against ``reference``, and only if it passes are the
    files moved to ``out`` (with the fp32 graph an int8 export keeps beside it). The folder is
    removed either way."""
    from mmseg_inceptionnext.deploy.onnx_runtime import DynamicShapeError
    folder = os.path.dirname(os.path.abspath(out))
    os.makedirs(folder, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=f'.{os.path.basename(out)}.', dir=folder)
    try:
        staged = os.path.join(staging, os.path.basename(out))
        try:
            problem = _check(write(staged), reference, _check_sizes(shape, dynamic),
                             logits=logits, int8=int8)
        except DynamicShapeError as err:
            problem = str(err).rstrip('.')
        if problem is None:
            for path, target in ((staged, out), (_fp32_beside(staged), _fp32_beside(out))):
                if os.path.exists(path):
                    os.replace(path, target)
            print(f'wrote {out}')
            return 0
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _refuse(problem, out, dynamic=dynamic)
    return 1


def _fp32_beside(path: str) -> str:
    return os.path.splitext(path)[0] + '.fp32.onnx'


def _check(session, reference: torch.nn.Module, sizes: Sequence[Tuple[int, int, int]], *,
           logits: bool, int8: bool) -> Optional[str]:
    """Run ``session`` and ``reference`` on random inputs of ``sizes`` (batch, H, W), print
    how far apart they are, and return what is wrong (``None`` if nothing)."""
    from mmseg_inceptionnext.deploy import compare_outputs
    torch.manual_seed(0)
    label = 'onnxruntime int8' if int8 else 'onnxruntime'
    for batch, height, width in sizes:
        where = f'{height}x{width}' + (f' (batch {batch})' if batch > 1 else '')
        x = torch.randn(batch, 3, height, width)
        try:
            got = session(x)
        except Exception as err:  # onnxruntime's errors share no base class but Exception
            return f'ONNX Runtime cannot run the exported graph at {where} ({_first_line(err)})'
        with torch.no_grad():
            expected = reference(x)
        try:
            report = compare_outputs(expected, got, logits=logits)
        except ValueError as err:  # an output of the size the graph was traced at
            return f'the exported graph does not match PyTorch at {where}: {err}'
        if logits:
            print(f"{label} vs PyTorch at {where}: max abs difference {report['max_abs']:.2e} "
                  f"(relative {report['max_rel']:.2e}), arg-max agreement "
                  f"{100 * report['argmax_agreement']:.2f}%")
        else:
            print(f"{label} vs PyTorch at {where}: max relative difference "
                  f"{report['max_rel']:.2e}")
        if not int8 and report['max_rel'] > FP32_TOLERANCE:
            return (f'the exported graph does not match PyTorch at {where}: max relative '
                    f"difference {report['max_rel']:.2e} > {FP32_TOLERANCE:g}")
    return None


def _first_line(err: Exception) -> str:
    text = str(err).strip().splitlines()
    return f'{type(err).__name__}: {text[0] if text else ""}'


def _check_sizes(shape: Tuple[int, int], dynamic: bool) -> List[Tuple[int, int, int]]:
    """(batch, H, W) to check: the export size; for a dynamic graph also two more, not
    multiples of 32, one of them larger and one smaller than the export size, at batch 1 and 2."""
    height, width = shape
    sizes = [(1, height, width)]
    if dynamic:
        sizes += [(1, height + 36, max(8, width - 27)), (2, max(8, height // 2 + 3), width + 45)]
    return sizes


def _refuse(problem: str, out: str, *, dynamic: bool) -> None:
    hint = (' A dynamic graph must compute what the model does at every size; some layer of '
            'this model fixes a size while traced. Export a fixed size instead (--shape H W, '
            'no --dynamic): `infer --onnx` fits every image to it.' if dynamic else '')
    print(f'error: {problem}; nothing was written to {out}.{hint}', file=sys.stderr)


if __name__ == '__main__':
    sys.exit(main())
