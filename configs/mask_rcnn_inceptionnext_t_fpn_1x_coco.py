# Mask R-CNN + FPN + InceptionNeXt-T on COCO, 1x schedule: mmdet's 1x (single-scale training at
# 1333x800, 12 epochs, lr steps at 8 and 11, 500-iteration warm-up) with the optimizer of
# mask_rcnn_inceptionnext_t_fpn_3x_coco.py (AdamW lr 1e-4, weight decay 0.05, batch 16, mixed
# precision). A shorter, cheaper run for comparisons, not a paper setting.
# Drop path 0.4, as in the 3x config (one rate per backbone and detector in
# mmseg_inceptionnext/recipes.py), so 1x and 3x runs differ only in schedule and augmentation.
_base_ = [
    './_base_/models/mask_rcnn.py',
    './_base_/backbones/inceptionnext.py',
    './_base_/datasets/coco_instance_guarded.py',
    './_base_/recipes/convnext_mask_rcnn_1x.py',
]
model = dict(
    backbone=dict(_base_.backbone, arch='tiny', drop_path_rate=0.4, init_cfg=dict(
        type='Pretrained', checkpoint=f'{_base_.ckpt_dir}/inceptionnext_tiny.pth')))
