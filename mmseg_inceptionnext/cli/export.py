"""Export a backbone to ONNX and check it against PyTorch with onnxruntime.

    python -m mmseg_inceptionnext export --arch tiny [--family inceptionnext] [--checkpoint FILE] \
        [--shape 512 512] --out inceptionnext_tiny.onnx

The graph has a fixed input shape (``--shape``) and one output per stage.
"""
import argparse
import json
import sys

import torch

from mmseg_inceptionnext.models import BACKBONE_NETS, load_backbone_weights


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--family', default='inceptionnext', choices=sorted(BACKBONE_NETS))
    parser.add_argument('--arch', default='tiny', help='variant name or an arch dict as JSON')
    parser.add_argument('--checkpoint', help='weights to load (any accepted format)')
    parser.add_argument('--shape', type=int, nargs=2, default=(512, 512), metavar=('H', 'W'))
    parser.add_argument('--out', required=True, help='ONNX file to write')
    args = parser.parse_args(argv)
    arch = json.loads(args.arch) if args.arch.startswith('{') else args.arch
    model = BACKBONE_NETS[args.family](arch).eval()
    if args.checkpoint:
        load_backbone_weights(model, args.checkpoint)
    x = torch.randn(1, 3, *args.shape)
    torch.onnx.export(model, (x, ), args.out, input_names=['image'],
                      output_names=[f'stage{i}' for i in model.out_indices], dynamo=True)
    import onnxruntime
    session = onnxruntime.InferenceSession(args.out, providers=['CPUExecutionProvider'])
    with torch.no_grad():
        expected = model(x)
    got = session.run(None, {'image': x.numpy()})
    worst = max(float((e - torch.from_numpy(g)).abs().max() / e.abs().max().clamp_min(1e-12))
                for e, g in zip(expected, got))
    print(f'wrote {args.out}; onnxruntime vs PyTorch: max relative difference {worst:.2e}')
    if worst > 1e-4:
        print('error: the exported graph does not match PyTorch', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
