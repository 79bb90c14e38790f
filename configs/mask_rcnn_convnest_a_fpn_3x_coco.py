# Mask R-CNN + FPN + ConvNeSt-A on COCO, 3x: the recipe of
# mask_rcnn_convnest_t_fpn_3x_coco.py (ConvNeXt's 3x) with the atto backbone.
# Drop path 0.1: ours, T's 0.4 halved per size step below T, at least 0.1.
_base_ = [
    './_base_/models/mask_rcnn.py',
    './_base_/backbones/convnest.py',
    './_base_/datasets/coco_instance_ms_guarded.py',
    './_base_/recipes/convnext_mask_rcnn_3x.py',
]
dims = [20, 40, 80, 160]
model = dict(
    backbone=dict(_base_.backbone, arch='atto', drop_path_rate=0.1, init_cfg=dict(
        type='Pretrained', checkpoint=f'{_base_.ckpt_dir}/convnest_atto.pth')),
    neck=dict(in_channels=dims))
