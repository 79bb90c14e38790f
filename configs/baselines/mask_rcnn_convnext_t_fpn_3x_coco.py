# Baseline: Mask R-CNN + FPN + ConvNeXt-T (timm's, through TimmConvNeXt) on COCO, 3x schedule.
# Recipe: exactly that of ../mask_rcnn_inceptionnext_t_fpn_3x_coco.py (same bases), i.e.
# ConvNeXt-T's own 3x (docs/recipes.md). Drop path 0.4: ConvNeXt-T's own Mask R-CNN 3x rate.
_base_ = [
    '../_base_/models/mask_rcnn.py',
    '../_base_/backbones/convnext.py',
    '../_base_/datasets/coco_instance_ms_guarded.py',
    '../_base_/recipes/convnext_mask_rcnn_3x.py',
]
model = dict(
    backbone=dict(_base_.backbone, arch='tiny', drop_path_rate=0.4, init_cfg=dict(
        type='Pretrained', checkpoint=f'{_base_.ckpt_dir}/convnext_tiny_1k_224.pth')))
