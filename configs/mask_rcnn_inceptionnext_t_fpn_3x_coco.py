# Mask R-CNN + FPN + InceptionNeXt-T on COCO, 3x: ConvNeXt's recipe, as MMDetection's
#   convnext/mask-rcnn_convnext-t-p4-w7_fpn_amp-ms-crop-3x_coco.py
# Drop path 0.4: ours, ConvNeXt-T's rate (same size class). Differences: docs/recipes.md.
_base_ = [
    './_base_/models/mask_rcnn.py',
    './_base_/backbones/inceptionnext.py',
    './_base_/datasets/coco_instance_ms_guarded.py',
    './_base_/recipes/convnext_mask_rcnn_3x.py',
]
model = dict(
    backbone=dict(_base_.backbone, arch='tiny', drop_path_rate=0.4, init_cfg=dict(
        type='Pretrained', checkpoint=f'{_base_.ckpt_dir}/inceptionnext_tiny.pth')))
