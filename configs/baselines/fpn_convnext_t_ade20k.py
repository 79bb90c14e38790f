# Baseline for speed / accuracy comparisons: Semantic FPN + ConvNeXt-T (timm's implementation,
# through the TimmConvNeXt backbone) on ADE20K with exactly the heads, data, schedule and
# optimizer of the InceptionNeXt-T config it inherits (../fpn_inceptionnext_t_ade20k.py: 40k
# iterations, AdamW lr 2e-4, weight decay 1e-4); only the backbone differs.
# Backbone norms: ConvNeXt's own LayerNorms, and a LayerNorm over channels on each returned
# stage as in ConvNeXt's segmentation code (the InceptionNeXt config uses SyncBN there).
# Drop path 0.2: ours, half ConvNeXt-T's UperNet rate, as the InceptionNeXt paper halves T's
# (ConvNeXt has no Semantic FPN result); mmseg_inceptionnext/recipes.py.
# For reference, the ConvNeXt paper's UperNet-T result with its own recipe, not ours:
# 46.0 / 46.7 mIoU (single / multi-scale).
#
# Pretrained weights: ConvNeXt's official ImageNet-1k release. To use a local copy, set
# CONVNEXT_CKPT_DIR to the directory holding convnext_tiny_1k_224.pth, or pass
# --cfg-options model.backbone.init_cfg.checkpoint=/path/to/file.pth.
_base_ = '../fpn_inceptionnext_t_ade20k.py'
ckpt_dir = '{{$CONVNEXT_CKPT_DIR:https://dl.fbaipublicfiles.com/convnext}}'
model = dict(
    backbone=dict(
        _delete_=True,  # InceptionNeXt's keys (norm_cfg, ...) do not apply
        type='TimmConvNeXt',
        arch='tiny',
        out_indices=(0, 1, 2, 3),
        drop_path_rate=0.2,
        out_norm_cfg=dict(type='ChannelsFirstLN', eps=1e-6),
        init_cfg=dict(type='Pretrained', checkpoint=f'{ckpt_dir}/convnext_tiny_1k_224.pth')))
