"""The detection demo, on built-in data: instance segmentation end to end on the CPU.

1. writes a small synthetic dataset in COCO's layout (once; reused afterwards),
2. trains Mask R-CNN + InceptionNeXt with the ``train`` command and the demo config, which
   inherits the paper-recipe config and changes only data, size and schedule,
3. evaluates box and mask mAP (mmdet's ``CocoMetric``) on the held-out split with
   the ``test`` command's code path,
4. writes a picture, image | ground truth | prediction (boxes and masks), for a person to
   look at, and the numbers to ``demo_det_results.json``.

    python -m mmseg_inceptionnext demo det [--iters N] [--work-dir work_dirs/demo_det]
"""
import json
import os
import os.path as osp
import subprocess
import sys
import time

import numpy as np
from PIL import Image, ImageDraw

from mmseg_inceptionnext.openmmlab.config_lookup import resolve_config
from mmseg_inceptionnext.synthetic import make_coco_like

from .common import demo_parser

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


def schedule_options(iters):
    """``--cfg-options`` for a run of ``iters`` iterations (warm-up and lr steps scaled)."""
    warmup = max(1, min(50, iters // 10))
    return [f'train_cfg.max_iters={iters}', f'train_cfg.val_interval={iters}',
            f'default_hooks.checkpoint.interval={iters}', f'param_scheduler.0.end={warmup}',
            f'param_scheduler.1.end={iters}',
            f'param_scheduler.1.milestones=[{int(iters * 0.75)},{int(iters * 0.92)}]']


def draw_instances(image, boxes, masks, labels, palette, names, scores=None):
    """Image (H x W x 3 uint8) with masks blended in their class colour and outlined in
    white (the synthetic objects have their class colour already), and boxes drawn."""
    out = image.astype(np.float32)
    for mask, label in zip(masks, labels):
        colour = np.asarray(palette[label], np.float32)
        out[mask] = 0.45 * out[mask] + 0.55 * colour
        inner = mask.copy()
        inner[1:] &= mask[:-1]
        inner[:-1] &= mask[1:]
        inner[:, 1:] &= mask[:, :-1]
        inner[:, :-1] &= mask[:, 1:]
        out[mask & ~inner] = 255.0
    canvas = Image.fromarray(out.astype(np.uint8))
    draw = ImageDraw.Draw(canvas)
    for k, (box, label) in enumerate(zip(boxes, labels)):
        colour = tuple(int(c) for c in palette[label])
        draw.rectangle([float(v) for v in box], outline=colour, width=1)
        text = names[label] if scores is None else f'{names[label]} {scores[k]:.2f}'
        draw.text((float(box[0]) + 1, float(box[1])), text, fill=(255, 255, 255))
    return np.asarray(canvas)


def ground_truth(ann_file):
    """Per image file name: (boxes xyxy, masks, labels) from a COCO annotation file."""
    from pycocotools.coco import COCO
    coco = COCO(ann_file)
    cat_index = {c: k for k, c in enumerate(sorted(coco.getCatIds()))}
    truth = {}
    for img_id in coco.getImgIds():
        info = coco.loadImgs(img_id)[0]
        anns = coco.loadAnns(coco.getAnnIds(imgIds=img_id))
        boxes = [[a['bbox'][0], a['bbox'][1], a['bbox'][0] + a['bbox'][2],
                  a['bbox'][1] + a['bbox'][3]] for a in anns]
        masks = [coco.annToMask(a).astype(bool) for a in anns]
        truth[info['file_name']] = (boxes, masks, [cat_index[a['category_id']] for a in anns])
    return truth


def prediction_panel(config, checkpoint, data_root, out_file, num_images=4, score_thr=0.5):
    """Write one PNG with a row per val image: image | ground truth | prediction.

    Args:
        config: Detector config.
        checkpoint: Checkpoint of the whole detector.
        data_root: COCO-layout dataset root.
        out_file: PNG to write.
        num_images: Rows (the first val images).
        score_thr: Predictions below this score are not drawn.

    Returns:
        ``out_file``.
    """
    from mmdet.apis import inference_detector, init_detector
    from mmengine.model import revert_sync_batchnorm
    model = revert_sync_batchnorm(init_detector(config, checkpoint, device='cpu'))
    names = list(model.dataset_meta['classes'])
    palette = model.dataset_meta['palette']
    truth = ground_truth(osp.join(data_root, 'annotations/instances_val2017.json'))
    rows = []
    for name in sorted(truth)[:num_images]:
        path = osp.join(data_root, 'val2017', name)
        image = np.asarray(Image.open(path).convert('RGB'))
        pred = inference_detector(model, path).pred_instances
        keep = pred.scores >= score_thr
        pred = pred[keep]
        row = [image, draw_instances(image, *truth[name], palette, names),
               draw_instances(image, pred.bboxes.numpy(), pred.masks.numpy().astype(bool),
                              pred.labels.tolist(), palette, names,
                              scores=pred.scores.tolist())]
        rows.append(np.concatenate(row, axis=1))
    panel = Image.fromarray(np.concatenate(rows, axis=0))
    panel = panel.resize((panel.width * 2, panel.height * 2), Image.NEAREST)
    panel.save(out_file)
    return out_file


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
        options += schedule_options(args.iters)
    cmd = [sys.executable, '-m', 'mmseg_inceptionnext', 'train', args.config, '--work-dir',
           args.work_dir, '--cfg-options', *options]
    print('[demo_det] training:', ' '.join(cmd), flush=True)
    subprocess.run(cmd, check=True)
    train_seconds = time.time() - start

    with open(osp.join(args.work_dir, 'last_checkpoint')) as f:
        checkpoint = f.read().strip()
    from mmseg_inceptionnext.openmmlab.runner import test
    metrics = test(args.config, checkpoint, work_dir=osp.join(args.work_dir, 'test'),
                   cfg_options=dict(o.split('=', 1) for o in data_options(args.data_root)))

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
