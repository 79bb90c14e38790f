# Baseline for speed / accuracy comparisons: UperNet + ConvNeXt-T (timm's implementation, through
# the TimmConvNeXt backbone) on ADE20K with exactly the heads, data, schedule and optimizer of
# the InceptionNeXt-T config it inherits (../upernet_inceptionnext_t_ade20k.py: 160k
# iterations, AdamW lr 6e-5, weight decay 0.01, none on 'norm' parameters); only the backbone
# differs. The 'norm' key still matches parameters (the blocks' LayerNorms and the output
# norms), so the paramwise_cfg is inherited unchanged.
# Backbone norms: ConvNeXt's own LayerNorms, and a LayerNorm over channels on each returned
# stage as in ConvNeXt's segmentation code (the InceptionNeXt config uses SyncBN there).
# Drop path 0.4: ConvNeXt-T's own UperNet rate (mmseg_inceptionnext/recipes.py).
# ConvNeXt paper's result with its own recipe (AdamW lr 1e-4, layer-wise lr decay), not ours:
# 46.0 / 46.7 mIoU (single / multi-scale).
#
# Pretrained weights: ConvNeXt's official ImageNet-1k release. To use a local copy, set
# CONVNEXT_CKPT_DIR to the directory holding convnext_tiny_1k_224.pth, or pass
# --cfg-options model.backbone.init_cfg.checkpoint=/path/to/file.pth.
_base_ = '../upernet_inceptionnext_t_ade20k.py'
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
