"""Segment images with a trained model and write colour overlays.

    python -m mmseg_inceptionnext infer CONFIG CHECKPOINT IMAGE_OR_DIR [...] --out-dir outputs/
        [--opacity 0.5] [--int8 [--calibration IMAGE_OR_DIR ...]]
    python -m mmseg_inceptionnext infer --onnx FILE IMAGE_OR_DIR [...] --out-dir outputs/

Overlays keep the inputs' relative paths below the folder they share, so same-named images
of two folders do not overwrite each other. An input that cannot be read (missing, truncated,
not an image) is named and skipped; the others are written, and the command then lists what
it skipped and exits with status 1.

With ``--onnx``, the graph written by ``export --config`` runs in ONNX Runtime (no OpenMMLab
needed). With ``--int8``, the segmentor is exported and quantized to int8 first, calibrated on
``--calibration`` images (default: the first 8 input images), and runs in ONNX Runtime.
"""
import argparse
import os
import tempfile

from mmseg_inceptionnext.runs.seg_drawing import SkipLog, list_images, segment_files


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
    if os.path.exists(args.out_dir) and not os.path.isdir(args.out_dir):
        raise NotADirectoryError(f'The output folder {args.out_dir!r} is a file; give another '
                                 f'--out-dir.')
    skipped = SkipLog()
    if args.onnx:
        if args.int8:
            parser.error('--onnx runs a graph as it is; quantize with `export --int8`')
        files = list_images(args.paths)
        written = segment_with_onnx(args.onnx, files, args.out_dir, args.opacity, skipped)
    else:
        if len(args.paths) < 3:
            parser.error('give CONFIG CHECKPOINT and at least one image (or --onnx FILE)')
        config, checkpoint, inputs = args.paths[0], args.paths[1], args.paths[2:]
        files = list_images(inputs)
        if args.int8:
            written = segment_int8(config, checkpoint, files, args, skipped)
        else:
            from mmseg_inceptionnext.runs.seg_drawing import load_segmentor, write_overlays
            model = load_segmentor(config, checkpoint, args.device)
            written, _ = write_overlays(model, files, args.out_dir, args.opacity,
                                        on_skip=skipped)
    for path in written:
        print(path)
    return skipped.summarize(f'{len(written)} of {len(files)} images written to {args.out_dir}')


def segment_with_onnx(onnx_file, files, out_dir, opacity, skipped):
    """Segment ``files`` with the graph ``onnx_file``: the paths written (what cannot be read
    goes to the :class:`SkipLog` ``skipped``)."""
    from mmseg_inceptionnext.deploy.segmentor import OnnxSegmentor
    segmentor = OnnxSegmentor(onnx_file)
    palette = segmentor.palette

    def palette_for(labels):
        return palette if palette is not None else _fallback_palette(int(labels.max()) + 1)
    # one image at a time: the graph may have a fixed input size, images may differ
    return segment_files(segmentor.predict, palette_for, files, out_dir, opacity,
                         batch_size=1, on_skip=skipped)[0]


def segment_int8(config, checkpoint, files, args, skipped):
    """Export the segmentor, quantize it to int8 and segment ``files`` with it: the paths
    written. An unreadable ``--calibration`` image goes to the :class:`SkipLog` ``skipped``
    (an unreadable input used for calibration is named once, when it is segmented)."""
    from mmengine.config import Config

    from mmseg_inceptionnext.deploy.int8 import read_calibration
    from mmseg_inceptionnext.deploy.segmentor import export_segmentor
    from mmseg_inceptionnext.plugin.config_names import resolve_config
    from mmseg_inceptionnext.runs.seg_drawing import Skipped, load_segmentor
    config = resolve_config(config)
    cfg = Config.fromfile(config)
    if args.calibration:
        calibration = read_calibration(list_images(args.calibration), lambda item: skipped(
            Skipped(item.path, f'not used for calibration: {item.reason}')))
    else:
        calibration = read_calibration(files[:8], on_skip=lambda item: None)
    model = load_segmentor(config, checkpoint, 'cpu')
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'int8.onnx')
        export_segmentor(model, cfg, path, shape=tuple(cfg.get('crop_size') or (512, 512)),
                         int8=True, calibration_images=calibration)
        return segment_with_onnx(path, files, args.out_dir, args.opacity, skipped)


def _fallback_palette(count):
    from mmseg_inceptionnext.runs.seg_drawing import palette_of
    return palette_of(None, count)


if __name__ == '__main__':
    main()
