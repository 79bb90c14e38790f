# Mask R-CNN + FPN + InceptionNeXt-S on COCO, 3x: the recipe of
# mask_rcnn_inceptionnext_t_fpn_3x_coco.py (ConvNeXt's 3x) with the small backbone.
# Drop path 0.6: ours, ConvNeXt-S's COCO rate (same size class, 50M parameters).
_base_ = [
    './_base_/models/mask_rcnn.py',
    './_base_/backbones/inceptionnext.py',
    './_base_/datasets/coco_instance_ms_guarded.py',
    './_base_/recipes/convnext_mask_rcnn_3x.py',
]
model = dict(
    backbone=dict(_base_.backbone, arch='small', drop_path_rate=0.6, init_cfg=dict(
        type='Pretrained', checkpoint=f'{_base_.ckpt_dir}/inceptionnext_small.pth')))
optim_wrapper = dict(paramwise_cfg=dict(num_layers=12))  # as ConvNeXt-S/B recipes
