# Cascade Mask R-CNN + FPN + ConvNeSt-A on COCO, 3x: the recipe of
# cascade_mask_rcnn_convnest_t_fpn_3x_coco.py with the atto backbone.
# Drop path 0.1: ours, the floor of our rule (halve per size step below T, at least 0.1);
# see mmseg_inceptionnext/recipes.py.
# No official ConvNeSt weights exist: train or convert your own (see the T config).
_base_ = './cascade_mask_rcnn_convnest_t_fpn_3x_coco.py'
ckpt_dir = '{{$CONVNEST_CKPT_DIR:checkpoints}}'
dims = [20, 40, 80, 160]
model = dict(
    backbone=dict(
        arch='atto',
        drop_path_rate=0.1,
        init_cfg=dict(checkpoint=f'{ckpt_dir}/convnest_atto.pth')),
    neck=dict(in_channels=dims))
