# The ConvNeSt backbone of every ConvNeSt config, and where its ImageNet weights are.
# Norms: ConvNeSt's own channels-first LayerNorms (the paper's design, and the parameters a
# classification checkpoint holds; SyncBN would not load them), and one on each returned stage
# as ConvNeXt's dense-prediction backbones have. A leaf takes it as
# `backbone=dict(_base_.backbone, arch=..., drop_path_rate=..., init_cfg=...)` with
# `checkpoint=f'{_base_.ckpt_dir}/convnest_<arch>.pth'`.
#
# Pretrained weights: no official ConvNeSt weights exist (there is no official code either).
# Train or convert your own ImageNet checkpoint (key layout in docs/convnest.md), put
# convnest_*.pth in ./checkpoints or in the directory named by the environment variable
# CONVNEST_CKPT_DIR, or pass --cfg-options model.backbone.init_cfg.checkpoint=/path/to/file.pth.
ckpt_dir = '{{$CONVNEST_CKPT_DIR:checkpoints}}'
backbone = dict(
    type='ConvNeSt',
    norm_cfg=dict(type='ChannelsFirstLN', eps=1e-6),
    out_norm_cfg=dict(type='ChannelsFirstLN', eps=1e-6))
