"""Print parameters and MACs (multiply-accumulates, as the papers count FLOPs) of configs.

    python -m mmseg_inceptionnext flops CONFIG [CONFIG ...] [--shape H W]

Defaults follow the papers: UperNet at 512x2048, Semantic FPN at 512x512, detectors at
800x1280. Segmentors: backbone, neck and decode head; detectors: backbone, FPN and RPN
(the RoI heads' cost depends on the proposals and is not counted).
"""
import argparse
import os.path as osp

from mmseg_inceptionnext.plugin.config_names import resolve_config
from mmseg_inceptionnext.runs.complexity import model_complexity


def default_shape(config):
    name = osp.basename(config)
    if name.startswith('upernet'):
        return (512, 2048)
    if 'rcnn' in name:
        return (800, 1280)
    return (512, 512)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('configs', nargs='+')
    parser.add_argument('--shape', type=int, nargs=2, metavar=('H', 'W'),
                        help='input size (default: per head type, as the papers)')
    args = parser.parse_args(argv)
    print(f"{'config':50s} {'input':>10s} {'params':>9s} {'backbone':>9s} {'GMACs':>8s}")
    for config in args.configs:
        config = resolve_config(config)
        shape = tuple(args.shape) if args.shape else default_shape(config)
        c = model_complexity(config, shape)
        print(f"{osp.basename(config):50s} {shape[0]:>4d}x{shape[1]:<5d} "
              f"{c['params'] / 1e6:8.1f}M {c['backbone_params'] / 1e6:8.1f}M "
              f"{c['macs'] / 1e9:8.1f}")


if __name__ == '__main__':
    main()
