"""Segment images with a trained model and write colour overlays.

    python -m mmseg_inceptionnext infer CONFIG CHECKPOINT IMAGE_OR_DIR [...] --out-dir outputs/
        [--opacity 0.5]
"""
import argparse

from mmseg_inceptionnext.openmmlab.inference import list_images, load_segmentor, write_overlays


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('inputs', nargs='+', help='image files or directories of images')
    parser.add_argument('--out-dir', default='outputs', help='where to write <name>.png')
    parser.add_argument('--opacity', type=float, default=0.5, help='overlay opacity in [0, 1]')
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args(argv)
    model = load_segmentor(args.config, args.checkpoint, args.device)
    for path in write_overlays(model, list_images(args.inputs), args.out_dir, args.opacity):
        print(path)


if __name__ == '__main__':
    main()
