# The ConvNeSt backbone: channels-first LayerNorms, one on each returned stage. No official
# weights exist: put your convnest_<arch>.pth (key layout: docs/convnest.md) in ./checkpoints
# or in $CONVNEST_CKPT_DIR.
ckpt_dir = '{{$CONVNEST_CKPT_DIR:checkpoints}}'
backbone = dict(
    type='ConvNeSt',
    norm_cfg=dict(type='ChannelsFirstLN', eps=1e-6),
    out_norm_cfg=dict(type='ChannelsFirstLN', eps=1e-6))
