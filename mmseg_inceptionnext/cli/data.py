"""Write a small, learnable synthetic dataset in ADE20K's or COCO's layout (numpy + Pillow).

    python -m mmseg_inceptionnext data ade20k --root data/synthetic_ade \
        --num-train 400 --num-val 60 --size 256
    python -m mmseg_inceptionnext data coco --root data/synthetic_coco \
        --num-train 400 --num-val 60 --size 256

A second run with the same arguments finds the dataset complete and writes nothing
(``--overwrite`` regenerates it). The summary is printed one ``key: JSON value`` a line. See
:mod:`mmseg_inceptionnext.synthetic` for the scenes and the label conventions.
"""
from __future__ import annotations

import argparse
import json

from mmseg_inceptionnext.synthetic import (
    make_ade20k_like,
    make_coco_like,
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line.

    Args:
        argv: Arguments without the program name; ``sys.argv[1:]`` if None.

    Returns:
        The parsed arguments.
    """
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('kind', choices=['ade20k', 'coco'], help='which layout to write')
    parser.add_argument('--root', help='output folder (default: data/synthetic_ade or '
                        'data/synthetic_coco)')
    parser.add_argument('--num-train', type=int, default=400, help='training images')
    parser.add_argument('--num-val', type=int, default=60, help='validation images')
    parser.add_argument('--size', type=int, nargs='+', default=[256], metavar='N',
                        help='image size: one value (square) or HEIGHT WIDTH')
    parser.add_argument('--seed', type=int, default=0, help='dataset seed')
    parser.add_argument('--ignore-border', type=int, default=1,
                        help='ade20k: ignore band (px) on each side of object edges, 0: none')
    parser.add_argument('--overwrite', action='store_true',
                        help='regenerate even if a complete dataset exists')
    args = parser.parse_args(argv)
    if len(args.size) not in (1, 2):
        parser.error('--size takes one value or two (HEIGHT WIDTH)')
    return args


def main(argv: list[str] | None = None) -> dict:
    """Write the dataset and print its summary.

    Args:
        argv: Arguments without the program name; ``sys.argv[1:]`` if None.

    Returns:
        The summary returned by the writer.
    """
    args = parse_args(argv)
    size = (args.size[0], args.size[-1])
    common = dict(num_train=args.num_train, num_val=args.num_val, size=size, seed=args.seed,
                  overwrite=args.overwrite)
    if args.kind == 'ade20k':
        summary = make_ade20k_like(args.root or 'data/synthetic_ade',
                                   ignore_border=args.ignore_border, **common)
    else:
        summary = make_coco_like(args.root or 'data/synthetic_coco', **common)
    for key, value in summary.items():
        print(f'{key}: {json.dumps(value)}')
    return summary


if __name__ == '__main__':
    main()
