"""Convert a classification checkpoint (official release, timm, or any wrapped state dict)
into a backbone checkpoint that ``init_cfg=dict(type='Pretrained', checkpoint=...)`` and
MMSegmentation / MMDetection's ``load_from`` both read.

    python -m mmseg_inceptionnext convert inceptionnext_tiny.pth \
        checkpoints/inceptionnext_tiny_backbone.pth --arch tiny

The head is dropped; with ``--arch``/``--arch-dict`` every remaining tensor is checked
against the backbone first, so a wrong file is reported instead of written.
"""
import argparse
import json
import os
import sys

import torch

from mmseg_inceptionnext.models import (
    BACKBONE_NETS,
    CheckpointError,
    check_state_dict,
    extract_state_dict,
    read_checkpoint,
    to_backbone_state_dict,
)
from mmseg_inceptionnext.version import __version__


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('src', help='classification checkpoint (.pth, .bin or .safetensors)')
    parser.add_argument('dst', help='where to write the backbone checkpoint')
    parser.add_argument('--family', default='inceptionnext', choices=sorted(BACKBONE_NETS))
    group = parser.add_mutually_exclusive_group()
    group.add_argument('--arch', help='check the weights against this variant, e.g. tiny')
    group.add_argument('--arch-dict', type=json.loads, help='check against an arch dict (JSON)')
    parser.add_argument('--prefix', help="sub-tree to take, e.g. 'backbone.' (default: detect)")
    parser.add_argument('--plain', action='store_true',
                        help="write backbone keys without the 'backbone.' prefix and meta")
    parser.add_argument('--unsafe-pickle', action='store_true',
                        help='allow pickled Python objects in SRC (only for files you trust)')
    parser.add_argument('--force', action='store_true', help='overwrite DST')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if os.path.exists(args.dst) and not args.force:
        print(f'error: {args.dst} exists; pass --force to overwrite it.', file=sys.stderr)
        return 2
    try:
        sd = to_backbone_state_dict(
            extract_state_dict(read_checkpoint(args.src, unsafe_pickle=args.unsafe_pickle)),
            args.prefix)
        arch = args.arch_dict if args.arch_dict is not None else args.arch
        if arch is not None:
            problems = check_state_dict(BACKBONE_NETS[args.family](arch), sd)
            if problems:
                raise CheckpointError(f'{args.src} does not fit {args.family} arch {arch}:\n  '
                                      + '\n  '.join(problems))
    except (CheckpointError, FileNotFoundError, ValueError) as exc:
        print(f'error: {exc}', file=sys.stderr)
        return 1
    if args.plain:
        out = sd
    else:
        out = {'meta': {'source': os.path.basename(args.src), 'family': args.family,
                        'arch': arch, 'mmseg_inceptionnext_version': __version__},
               'state_dict': {f'backbone.{k}': v for k, v in sd.items()}}
    os.makedirs(os.path.dirname(os.path.abspath(args.dst)), exist_ok=True)
    tmp = f'{args.dst}.tmp'
    torch.save(out, tmp)
    os.replace(tmp, args.dst)  # never leave a half-written file under the final name
    print(f'wrote {len(sd)} backbone tensors to {args.dst}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
