# The ConvNeXt backbone of the baseline configs (configs/baselines/): timm's ConvNeXt through
# this package's TimmConvNeXt, a maintained implementation rather than a copy of ConvNeXt's
# code. Norms: ConvNeXt's own LayerNorms, and a LayerNorm over channels on each returned stage
# as in ConvNeXt's dense-prediction code. A leaf takes it as
# `backbone=dict(_base_.backbone, arch=..., drop_path_rate=..., init_cfg=...)` with
# `checkpoint=f'{_base_.ckpt_dir}/convnext_<arch>_1k_224.pth'`.
#
# Pretrained weights: ConvNeXt's official ImageNet-1k release. To use a local copy, set
# CONVNEXT_CKPT_DIR to the directory holding convnext_tiny_1k_224.pth, or pass
# --cfg-options model.backbone.init_cfg.checkpoint=/path/to/file.pth.
ckpt_dir = '{{$CONVNEXT_CKPT_DIR:https://dl.fbaipublicfiles.com/convnext}}'
backbone = dict(type='TimmConvNeXt', out_norm_cfg=dict(type='ChannelsFirstLN', eps=1e-6))
