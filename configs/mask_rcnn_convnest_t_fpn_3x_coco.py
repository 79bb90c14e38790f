# Mask R-CNN + FPN + ConvNeSt-T on COCO, 3x: the paper's (ConvNeXt's) recipe, MMDetection's
#   convnext/mask-rcnn_convnext-t-p4-w7_fpn_amp-ms-crop-3x_coco.py
# Drop path 0.4: ours, ConvNeXt-T's rate (same size class). Differences: docs/recipes.md.
_base_ = [
    './_base_/models/mask_rcnn.py',
    './_base_/backbones/convnest.py',
    './_base_/datasets/coco_instance_ms_guarded.py',
    './_base_/recipes/convnext_mask_rcnn_3x.py',
]
dims = [48, 96, 192, 384]
model = dict(
    backbone=dict(_base_.backbone, arch='tiny', drop_path_rate=0.4, init_cfg=dict(
        type='Pretrained', checkpoint=f'{_base_.ckpt_dir}/convnest_tiny.pth')),
    neck=dict(in_channels=dims))
