"""The detection demo, on built-in data: instance segmentation end to end on the CPU.

1. writes a small synthetic dataset in COCO's layout (once; reused afterwards),
2. trains Mask R-CNN + InceptionNeXt with the ``train`` command and the demo config, which
   stands on the paper config's bases and differs only in data, size and schedule,
3. evaluates box and mask mAP (mmdet's ``CocoMetric``) on the held-out split with
   the ``test`` command's code path,
4. writes a picture, image | ground truth | prediction (boxes and masks), for a person to
   look at, and the numbers to ``demo_det_results.json``.

    python -m mmseg_inceptionnext demo det [--iters N] [--work-dir work_dirs/demo_det]
"""
import json
import os
import os.path as osp
import time

from mmseg_inceptionnext.plugin.config_names import resolve_config
from mmseg_inceptionnext.runs.det_drawing import prediction_panel
from mmseg_inceptionnext.runs.quiet import quiet_console
from mmseg_inceptionnext.runs.short_runs import schedule_options
from mmseg_inceptionnext.synthetic import make_coco_like

from .common import demo_parser, train_then_test

CONFIG = 'mmseg_inceptionnext::demo/mask_rcnn_inceptionnext_a_synthetic.py'


def parse_args(argv=None):
    parser = demo_parser(__doc__.split('\n\n')[0], config=CONFIG,
                         data_root='data/synthetic_coco', work_dir='work_dirs/demo_det')
    parser.add_argument('--score-thr', type=float, default=0.5,
                        help='score threshold of the drawn predictions')
    parser.add_argument('--threads', type=int, default=1,
                        help='CPU threads per process (OMP_NUM_THREADS). One is the robust '
                        'choice on a small or shared CPU: with two threads competing for '
                        'busy cores we measured 6 s per iteration instead of 0.5 s')
    return parser.parse_args(argv)


def data_options(data_root):
    """``--cfg-options`` that point the demo config's data and evaluators at ``data_root``."""
    root = data_root.rstrip('/') + '/'
    ann = root + 'annotations/instances_val2017.json'
    return [f'train_dataloader.dataset.data_root={root}',
            f'val_dataloader.dataset.data_root={root}',
            f'test_dataloader.dataset.data_root={root}',
            f'val_evaluator.ann_file={ann}', f'test_evaluator.ann_file={ann}']


def main(argv=None):
    args = parse_args(argv)
    args.config = resolve_config(args.config)
    os.environ['OMP_NUM_THREADS'] = str(args.threads)  # inherited by the training process
    import torch
    torch.set_num_threads(args.threads)
    start = time.time()
    summary = make_coco_like(args.data_root, num_train=args.num_train, num_val=args.num_val,
                             size=(args.size, args.size))
    print(f"[demo_det] dataset: {summary['root']} ({args.num_train} train / {args.num_val} val "
          f"images, {summary['num_train_instances']} / {summary['num_val_instances']} "
          f"objects, {'reused' if summary.get('reused') else 'written'})", flush=True)
    options = data_options(args.data_root)
    if args.iters:
        options += schedule_options(args.iters, 'step')
    checkpoint, metrics, train_seconds = train_then_test(
        args.config, args.work_dir, options,
        dict(o.split('=', 1) for o in data_options(args.data_root)), '[demo_det]')

    with quiet_console(args.work_dir):
        picture = prediction_panel(args.config, checkpoint, args.data_root,
                                   osp.join(args.work_dir, 'demo_det_predictions.png'),
                                   num_images=args.panel_images, score_thr=args.score_thr)
    keys = ('bbox_mAP', 'bbox_mAP_50', 'bbox_mAP_75', 'segm_mAP', 'segm_mAP_50', 'segm_mAP_75')
    result = dict({k: metrics[f'coco/{k}'] for k in keys}, checkpoint=checkpoint,
                  picture=picture, seconds=round(time.time() - start, 1),
                  train_seconds=round(train_seconds, 1))
    with open(osp.join(args.work_dir, 'demo_det_results.json'), 'w') as f:
        json.dump(result, f, indent=2)
    print(f"[demo_det] held-out box mAP {result['bbox_mAP']:.3f} (AP50 "
          f"{result['bbox_mAP_50']:.3f}), mask mAP {result['segm_mAP']:.3f} (AP50 "
          f"{result['segm_mAP_50']:.3f})")
    print(f'[demo_det] picture (image | ground truth | prediction): {picture}')
    print(f"[demo_det] done in {result['seconds']:.0f} s; results in "
          f"{osp.join(args.work_dir, 'demo_det_results.json')}")


if __name__ == '__main__':
    main()
