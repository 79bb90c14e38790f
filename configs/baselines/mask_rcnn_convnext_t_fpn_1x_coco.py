# Baseline: Mask R-CNN + FPN + ConvNeXt-T (timm's, through TimmConvNeXt) on COCO, 1x schedule.
# Recipe: exactly that of ../mask_rcnn_inceptionnext_t_fpn_1x_coco.py (same bases); only the
# backbone differs. Drop path 0.4: ConvNeXt-T's own Mask R-CNN 3x rate, kept for 1x.
_base_ = [
    '../_base_/models/mask_rcnn.py',
    '../_base_/backbones/convnext.py',
    '../_base_/datasets/coco_instance_guarded.py',
    '../_base_/recipes/convnext_mask_rcnn_1x.py',
]
model = dict(
    backbone=dict(_base_.backbone, arch='tiny', drop_path_rate=0.4, init_cfg=dict(
        type='Pretrained', checkpoint=f'{_base_.ckpt_dir}/convnext_tiny_1k_224.pth')))
