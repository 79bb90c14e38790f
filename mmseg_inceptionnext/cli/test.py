"""Evaluate a checkpoint with a MMSegmentation or MMDetection config (mIoU, or COCO mAP).

    python -m mmseg_inceptionnext test CONFIG CHECKPOINT [--tta] [--work-dir DIR] [--show-dir DIR]
        [--out PATH] [--cfg-options key=value ...] [--launcher pytorch]
"""
import argparse

from mmseg_inceptionnext.runs.runner import test

from .common import add_run_arguments, parse_run_args


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test (and evaluate) a model.')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='directory for the evaluation logs')
    parser.add_argument('--tta', action='store_true',
                        help='test-time augmentation (multi-scale + flip)')
    parser.add_argument('--show-dir', help='write visualised predictions here')
    parser.add_argument('--out', help='dump predictions (mmdet: .pkl file; mmseg: directory)')
    add_run_arguments(parser)
    return parse_run_args(parser, argv)


def main(argv=None):
    args = parse_args(argv)
    metrics = test(args.config, args.checkpoint, work_dir=args.work_dir, tta=args.tta,
                   show_dir=args.show_dir, out=args.out, cfg_options=args.cfg_options,
                   launcher=args.launcher, unsafe_pickle=args.unsafe_pickle, quiet=args.quiet)
    if not args.quiet:  # quiet runs print their metrics line themselves
        print(metrics)


if __name__ == '__main__':
    main()
