# Baseline for speed / accuracy comparisons: Mask R-CNN + FPN + ConvNeXt-T (timm's
# implementation, through the TimmConvNeXt backbone) on COCO, 1x schedule, with exactly the
# heads, data, schedule and optimizer of the InceptionNeXt-T config it inherits
# (../mask_rcnn_inceptionnext_t_fpn_1x_coco.py: mmdet's 1x, AdamW lr 1e-4, weight decay 0.05,
# none on 1-D parameters); only the backbone differs.
# Backbone norms: ConvNeXt's own LayerNorms, and a LayerNorm over channels on each returned
# stage as in ConvNeXt's detection code (the InceptionNeXt config uses SyncBN there).
# Drop path 0.4: ConvNeXt-T's own Mask R-CNN 3x rate, kept for 1x as the InceptionNeXt config
# does (mmseg_inceptionnext/recipes.py). The ConvNeXt paper reports 3x only (46.2 box AP /
# 41.7 mask AP, with its own recipe); there is no 1x number to compare with.
#
# Pretrained weights: ConvNeXt's official ImageNet-1k release. To use a local copy, set
# CONVNEXT_CKPT_DIR to the directory holding convnext_tiny_1k_224.pth, or pass
# --cfg-options model.backbone.init_cfg.checkpoint=/path/to/file.pth.
_base_ = '../mask_rcnn_inceptionnext_t_fpn_1x_coco.py'
ckpt_dir = '{{$CONVNEXT_CKPT_DIR:https://dl.fbaipublicfiles.com/convnext}}'
model = dict(
    backbone=dict(
        _delete_=True,  # InceptionNeXt's keys (norm_cfg, ...) do not apply
        type='TimmConvNeXt',
        arch='tiny',
        out_indices=(0, 1, 2, 3),
        drop_path_rate=0.4,
        out_norm_cfg=dict(type='ChannelsFirstLN', eps=1e-6),
        init_cfg=dict(type='Pretrained', checkpoint=f'{ckpt_dir}/convnext_tiny_1k_224.pth')))
