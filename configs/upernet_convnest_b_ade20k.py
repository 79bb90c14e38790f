# UperNet + ConvNeSt-B on ADE20K, 160k iterations: the recipe of
# upernet_convnest_t_ade20k.py with the base backbone.
# Drop path 0.4 (ConvNeXt-B's UperNet rate (same size class);
# see recipes.py).
# Paper's result, not ours: 49.4 / 50.3 mIoU (single / multi-scale).
_base_ = './upernet_convnest_t_ade20k.py'
ckpt_dir = '{{$CONVNEST_CKPT_DIR:checkpoints}}'
dims = [72, 144, 288, 576]
model = dict(
    backbone=dict(
        arch='base',
        drop_path_rate=0.4,
        init_cfg=dict(checkpoint=f'{ckpt_dir}/convnest_base.pth')),
    decode_head=dict(in_channels=dims),
    auxiliary_head=dict(in_channels=dims[2]))
