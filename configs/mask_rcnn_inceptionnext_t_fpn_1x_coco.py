# Mask R-CNN + FPN + InceptionNeXt-T on COCO, 1x schedule (12 epochs, single scale), batch 16:
# MMDetection's 1x with the optimizer of ConvNeXt's 3x recipe, a cheaper run for comparisons.
# Drop path 0.4: the 3x config's, so that the two differ only in schedule and augmentation.
_base_ = [
    './_base_/models/mask_rcnn.py',
    './_base_/backbones/inceptionnext.py',
    './_base_/datasets/coco_instance_guarded.py',
    './_base_/recipes/convnext_mask_rcnn_1x.py',
]
model = dict(
    backbone=dict(_base_.backbone, arch='tiny', drop_path_rate=0.4, init_cfg=dict(
        type='Pretrained', checkpoint=f'{_base_.ckpt_dir}/inceptionnext_tiny.pth')))
