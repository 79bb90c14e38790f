"""The README's main job, on built-in data: semantic segmentation end to end on the CPU.

1. writes a small synthetic dataset in ADE20K's layout (once; reused afterwards),
2. trains UperNet + InceptionNeXt with the ``train`` command and the demo config, which
   stands on the paper config's bases and differs only in data, size and schedule,
3. evaluates mIoU on the held-out split with the ``test`` command's code path,
4. writes a picture, image | ground truth | prediction, for a person to look at.

    python -m mmseg_inceptionnext demo [seg] [--iters N] [--work-dir work_dirs/demo]
"""
import json
import os
import os.path as osp
import sys
import time

import numpy as np
from PIL import Image

from mmseg_inceptionnext.runs.short_runs import schedule_options
from mmseg_inceptionnext.synthetic import make_ade20k_like

from .common import demo_parser, train_then_test

CONFIG = 'mmseg_inceptionnext::demo/upernet_inceptionnext_a_synthetic.py'


def parse_args(argv=None):
    parser = demo_parser(__doc__.split('\n\n')[0], config=CONFIG,
                         data_root='data/synthetic_ade', work_dir='work_dirs/demo')
    return parser.parse_args(argv)


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ('seg', 'det'):
        if argv.pop(0) == 'det':
            from .demo_det import main as demo_det
            return demo_det(argv)
    args = parse_args(argv)
    start = time.time()
    summary = make_ade20k_like(args.data_root, num_train=args.num_train, num_val=args.num_val,
                               size=(args.size, args.size))
    print(f"[demo] dataset: {summary['root']} ({args.num_train} train / {args.num_val} val "
          f"images, {'reused' if summary.get('reused') else 'written'})", flush=True)
    data_root = osp.join(args.data_root, 'ADEChallengeData2016')
    options = [f'train_dataloader.dataset.data_root={data_root}',
               f'val_dataloader.dataset.data_root={data_root}',
               f'test_dataloader.dataset.data_root={data_root}']
    if args.iters:
        options += schedule_options(args.iters, 'poly')
    checkpoint, metrics, train_seconds = train_then_test(
        args.config, args.work_dir, options, dict(o.split('=', 1) for o in options[:3]), '[demo]')

    from mmseg_inceptionnext.runs.quiet import quiet_console
    from mmseg_inceptionnext.runs.seg_drawing import comparison_panel, load_segmentor
    with quiet_console(args.work_dir):
        model = load_segmentor(args.config, checkpoint)
    val_images = osp.join(data_root, 'images/validation')
    names = sorted(os.listdir(val_images))[:args.panel_images]
    truths = []
    for name in names:
        label = np.asarray(Image.open(osp.join(data_root, 'annotations/validation',
                                               osp.splitext(name)[0] + '.png')), dtype=np.int64)
        truths.append(np.where(label == 0, 255, label - 1))  # reduce_zero_label
    panel = comparison_panel(model, [osp.join(val_images, n) for n in names], truths,
                             osp.join(args.work_dir, 'demo_predictions.png'))

    result = dict(mIoU=metrics['mIoU'], aAcc=metrics['aAcc'], mAcc=metrics['mAcc'],
                  checkpoint=checkpoint, picture=panel, seconds=round(time.time() - start, 1),
                  train_seconds=round(train_seconds, 1))
    with open(osp.join(args.work_dir, 'demo_results.json'), 'w') as f:
        json.dump(result, f, indent=2)
    print(f"[demo] held-out mIoU: {metrics['mIoU']:.2f} (aAcc {metrics['aAcc']:.2f}, "
          f"mAcc {metrics['mAcc']:.2f}); chance level is about {100 / 7:.0f} for 7 classes")
    print(f'[demo] picture (image | ground truth | prediction): {panel}')
    print(f"[demo] done in {result['seconds']:.0f} s; results in "
          f"{osp.join(args.work_dir, 'demo_results.json')}")


if __name__ == '__main__':
    main()
