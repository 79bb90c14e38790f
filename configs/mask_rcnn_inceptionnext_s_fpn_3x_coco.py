# Mask R-CNN + FPN + InceptionNeXt-S on COCO, 3x: the recipe of
# mask_rcnn_inceptionnext_t_fpn_3x_coco.py with the small backbone.
# Drop path 0.6: ours, ConvNeXt-S's rate on COCO (same size class, 50M parameters).
_base_ = './mask_rcnn_inceptionnext_t_fpn_3x_coco.py'
ckpt_dir = '{{$INCEPTIONNEXT_CKPT_DIR:https://github.com/sail-sg/inceptionnext/releases/download/model}}'  # noqa
dims = [96, 192, 384, 768]
model = dict(
    backbone=dict(
        arch='small',
        drop_path_rate=0.6,
        init_cfg=dict(checkpoint=f'{ckpt_dir}/inceptionnext_small.pth')),
    neck=dict(in_channels=dims))
