# Baseline for speed / accuracy comparisons: Mask R-CNN + FPN + ConvNeXt-T (timm's
# implementation, through the TimmConvNeXt backbone) on COCO, 1x schedule, with exactly the
# heads, data, schedule and optimizer of ../mask_rcnn_inceptionnext_t_fpn_1x_coco.py (the same
# bases: mmdet's 1x, AdamW lr 1e-4, weight decay 0.05, layer-wise lr decay 0.95); only the
# backbone differs (tests/test_det_configs.py checks it).
# Drop path 0.4: ConvNeXt-T's own Mask R-CNN 3x rate, kept for 1x as the InceptionNeXt config
# does (mmseg_inceptionnext/recipes.py). The ConvNeXt paper reports 3x only (46.2 box AP /
# 41.7 mask AP, with its own recipe); there is no 1x number to compare with.
_base_ = [
    '../_base_/models/mask_rcnn.py',
    '../_base_/backbones/convnext.py',
    '../_base_/datasets/coco_instance_guarded.py',
    '../_base_/recipes/convnext_mask_rcnn_1x.py',
]
model = dict(
    backbone=dict(_base_.backbone, arch='tiny', drop_path_rate=0.4, init_cfg=dict(
        type='Pretrained', checkpoint=f'{_base_.ckpt_dir}/convnext_tiny_1k_224.pth')))
