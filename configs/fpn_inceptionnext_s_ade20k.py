# Semantic FPN + InceptionNeXt-S on ADE20K, 40k iterations: the recipe of
# fpn_inceptionnext_t_ade20k.py with the small backbone.
# Drop path 0.2 (paper, Table 10).
# Paper's result, not ours: 45.6 mIoU (multi-scale).
_base_ = './fpn_inceptionnext_t_ade20k.py'
ckpt_dir = '{{$INCEPTIONNEXT_CKPT_DIR:https://github.com/sail-sg/inceptionnext/releases/download/model}}'  # noqa
dims = [96, 192, 384, 768]
model = dict(
    backbone=dict(
        arch='small',
        drop_path_rate=0.2,
        init_cfg=dict(checkpoint=f'{ckpt_dir}/inceptionnext_small.pth')),
    neck=dict(in_channels=dims))
