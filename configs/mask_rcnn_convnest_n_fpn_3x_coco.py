# Mask R-CNN + FPN + ConvNeSt-N on COCO, 3x: the recipe of
# mask_rcnn_convnest_t_fpn_3x_coco.py with the nano backbone.
# Drop path 0.2: ours, half the T rate for about half the parameters;
# see mmseg_inceptionnext/recipes.py.
# No official ConvNeSt weights exist: train or convert your own (see the T config).
_base_ = './mask_rcnn_convnest_t_fpn_3x_coco.py'
ckpt_dir = '{{$CONVNEST_CKPT_DIR:checkpoints}}'
dims = [40, 80, 160, 320]
model = dict(
    backbone=dict(
        arch='nano',
        drop_path_rate=0.2,
        init_cfg=dict(checkpoint=f'{ckpt_dir}/convnest_nano.pth')),
    neck=dict(in_channels=dims))
