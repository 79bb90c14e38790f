# Mask R-CNN + FPN + InceptionNeXt-B on COCO, 3x: the recipe of
# mask_rcnn_inceptionnext_t_fpn_3x_coco.py with the base backbone.
# Drop path 0.7: ours, ConvNeXt-B's rate on COCO (same size class, 87M parameters).
_base_ = './mask_rcnn_inceptionnext_t_fpn_3x_coco.py'
ckpt_dir = '{{$INCEPTIONNEXT_CKPT_DIR:https://github.com/sail-sg/inceptionnext/releases/download/model}}'  # noqa
dims = [128, 256, 512, 1024]
model = dict(
    backbone=dict(
        arch='base',
        drop_path_rate=0.7,
        init_cfg=dict(checkpoint=f'{ckpt_dir}/inceptionnext_base.pth')),
    neck=dict(in_channels=dims))
