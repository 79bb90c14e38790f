# UperNet + ConvNeSt-S on ADE20K, 160k iterations: the recipe of
# upernet_convnest_t_ade20k.py with the small backbone.
# Drop path 0.3 (ConvNeXt-S's UperNet rate (same size class);
# see recipes.py).
# Paper's result, not ours: 48.8 / 49.6 mIoU (single / multi-scale).
_base_ = './upernet_convnest_t_ade20k.py'
ckpt_dir = '{{$CONVNEST_CKPT_DIR:checkpoints}}'
dims = [56, 112, 224, 448]
model = dict(
    backbone=dict(
        arch='small',
        drop_path_rate=0.3,
        init_cfg=dict(checkpoint=f'{ckpt_dir}/convnest_small.pth')),
    decode_head=dict(in_channels=dims),
    auxiliary_head=dict(in_channels=dims[2]))
