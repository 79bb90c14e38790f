# The baselines' ConvNeXt: timm's, through TimmConvNeXt, a LayerNorm on each returned stage.
# Weights: ConvNeXt's official ImageNet-1k release, or a local copy in $CONVNEXT_CKPT_DIR.
ckpt_dir = '{{$CONVNEXT_CKPT_DIR:https://dl.fbaipublicfiles.com/convnext}}'
backbone = dict(type='TimmConvNeXt', out_norm_cfg=dict(type='ChannelsFirstLN', eps=1e-6))
