# Cascade Mask R-CNN + FPN + InceptionNeXt-B on COCO, 3x: the recipe of
# cascade_mask_rcnn_inceptionnext_t_fpn_3x_coco.py (ConvNeXt's 3x) with the base backbone.
# Drop path 0.7: ours, ConvNeXt-B's COCO rate (same size class, 87M parameters).
_base_ = [
    './_base_/models/cascade_mask_rcnn.py',
    './_base_/backbones/inceptionnext.py',
    './_base_/datasets/coco_instance_ms_guarded.py',
    './_base_/recipes/convnext_cascade_mask_rcnn_3x.py',
]
dims = [128, 256, 512, 1024]
model = dict(
    backbone=dict(_base_.backbone, arch='base', drop_path_rate=0.7, init_cfg=dict(
        type='Pretrained', checkpoint=f'{_base_.ckpt_dir}/inceptionnext_base.pth')),
    neck=dict(in_channels=dims))
optim_wrapper = dict(paramwise_cfg=dict(num_layers=12))  # as ConvNeXt-S/B recipes
