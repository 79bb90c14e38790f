"""Detection inference helpers: instances drawn over an image, and a picture of image |
ground truth | prediction rows for a person to look at (used by the detection demo; the
segmentation counterparts are in :mod:`.inference`)."""
from __future__ import annotations

import os.path as osp

import numpy as np
from PIL import Image, ImageDraw


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
