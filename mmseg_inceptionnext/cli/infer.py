"""Segment images with a trained model and write colour overlays.

    python -m mmseg_inceptionnext infer CONFIG CHECKPOINT IMAGE_OR_DIR [...] --out-dir outputs/
        [--opacity 0.5] [--int8 [--calibration IMAGE_OR_DIR ...]]
    python -m mmseg_inceptionnext infer --onnx FILE IMAGE_OR_DIR [...] --out-dir outputs/

With ``--onnx``, the graph written by ``export --config`` runs in ONNX Runtime (no OpenMMLab
needed). With ``--int8``, the segmentor is exported and quantized to int8 first, calibrated on
``--calibration`` images (default: the first 8 input images), and runs in ONNX Runtime.
"""
import argparse
import os
import tempfile

from mmseg_inceptionnext.runs.seg_drawing import list_images


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('paths', nargs='+', metavar='CONFIG CHECKPOINT IMAGE',
                        help='CONFIG CHECKPOINT IMAGE_OR_DIR [...], or with --onnx only images')
    parser.add_argument('--onnx', metavar='FILE', help='segment with this exported graph')
    parser.add_argument('--int8', action='store_true',
                        help='export, quantize to int8 and segment in ONNX Runtime')
    parser.add_argument('--calibration', nargs='+', metavar='IMAGE_OR_DIR',
                        help='images for --int8 calibration (default: the first 8 inputs)')
    parser.add_argument('--out-dir', default='outputs', help='where to write <name>.png')
    parser.add_argument('--opacity', type=float, default=0.5, help='overlay opacity in [0, 1]')
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args(argv)
    if args.onnx:
        if args.int8:
            parser.error('--onnx runs a graph as it is; quantize with `export --int8`')
        files = list_images(args.paths)
        written = segment_with_onnx(args.onnx, files, args.out_dir, args.opacity)
    else:
        if len(args.paths) < 3:
            parser.error('give CONFIG CHECKPOINT and at least one image (or --onnx FILE)')
        config, checkpoint, inputs = args.paths[0], args.paths[1], args.paths[2:]
        files = list_images(inputs)
        if args.int8:
            written = segment_int8(config, checkpoint, files, args)
        else:
            from mmseg_inceptionnext.runs.seg_drawing import load_segmentor, write_overlays
            model = load_segmentor(config, checkpoint, args.device)
            written = write_overlays(model, files, args.out_dir, args.opacity)
    for path in written:
        print(path)


def segment_with_onnx(onnx_file, files, out_dir, opacity):
    from PIL import Image

    from mmseg_inceptionnext.deploy.segmentor import OnnxSegmentor
    from mmseg_inceptionnext.runs.seg_drawing import overlay, read_rgb
    segmentor = OnnxSegmentor(onnx_file)
    palette = segmentor.palette
    os.makedirs(out_dir, exist_ok=True)
    written = []
    for path in files:
        image = read_rgb(path)
        labels = segmentor.predict([image])[0]
        pal = palette if palette is not None else _fallback_palette(int(labels.max()) + 1)
        out = os.path.join(out_dir, os.path.splitext(os.path.basename(path))[0] + '.png')
        Image.fromarray(overlay(image, labels, pal, opacity)).save(out)
        written.append(out)
    return written


def segment_int8(config, checkpoint, files, args):
    from mmengine.config import Config

    from mmseg_inceptionnext.deploy.segmentor import export_segmentor
    from mmseg_inceptionnext.plugin.config_names import resolve_config
    from mmseg_inceptionnext.runs.seg_drawing import load_segmentor, read_rgb
    config = resolve_config(config)
    cfg = Config.fromfile(config)
    calibration = list_images(args.calibration) if args.calibration else files[:8]
    model = load_segmentor(config, checkpoint, 'cpu')
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'int8.onnx')
        export_segmentor(model, cfg, path, shape=tuple(cfg.get('crop_size') or (512, 512)),
                         int8=True, calibration_images=[read_rgb(f) for f in calibration])
        return segment_with_onnx(path, files, args.out_dir, args.opacity)


def _fallback_palette(count):
    from mmseg_inceptionnext.runs.seg_drawing import palette_of
    return palette_of(None, count)


if __name__ == '__main__':
    main()
