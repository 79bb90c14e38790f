# Cascade Mask R-CNN + FPN + ConvNeSt-N on COCO, 3x: the recipe of
# cascade_mask_rcnn_convnest_t_fpn_3x_coco.py (ConvNeXt's 3x) with the nano backbone.
# Drop path 0.2: ours, T's 0.4 halved for about half the parameters.
_base_ = [
    './_base_/models/cascade_mask_rcnn.py',
    './_base_/backbones/convnest.py',
    './_base_/datasets/coco_instance_ms_guarded.py',
    './_base_/recipes/convnext_cascade_mask_rcnn_3x.py',
]
dims = [40, 80, 160, 320]
model = dict(
    backbone=dict(_base_.backbone, arch='nano', drop_path_rate=0.2, init_cfg=dict(
        type='Pretrained', checkpoint=f'{_base_.ckpt_dir}/convnest_nano.pth')),
    neck=dict(in_channels=dims))
