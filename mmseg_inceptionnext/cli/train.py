"""Train a MMSegmentation or MMDetection config (InceptionNeXt, ConvNeSt or any other).

    python -m mmseg_inceptionnext train configs/upernet_inceptionnext_t_ade20k.py [--work-dir DIR]
        [--resume [CKPT]] [--amp] [--cfg-options key=value ...] [--launcher pytorch]

Several processes on one machine: ``bash tools/dist_train.sh CONFIG NPROC [args]``.
"""
import argparse

from mmseg_inceptionnext.runs.runner import train

from .common import add_run_arguments, parse_run_args


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a segmentor or detector.')
    parser.add_argument('config', help='config file')
    parser.add_argument('--work-dir', help='directory for logs and checkpoints')
    parser.add_argument('--resume', nargs='?', const='auto', default=None,
                        help='resume from CKPT, or without CKPT from the latest checkpoint '
                        'in the work dir')
    parser.add_argument('--amp', action='store_true', help='mixed-precision training')
    add_run_arguments(parser)
    return parse_run_args(parser, argv)


def main(argv=None):
    args = parse_args(argv)
    train(args.config, work_dir=args.work_dir, resume=args.resume, amp=args.amp,
          cfg_options=args.cfg_options, launcher=args.launcher, unsafe_pickle=args.unsafe_pickle,
          quiet=args.quiet)


if __name__ == '__main__':
    main()
