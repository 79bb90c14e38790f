# UperNet + ConvNeSt-F on ADE20K, 160k iterations: the recipe of
# upernet_convnest_t_ade20k.py with the femto backbone.
# Drop path 0.1 (our choice: small models underfit rather than overfit;
# see recipes.py).
# No paper result is quoted for this size.
_base_ = './upernet_convnest_t_ade20k.py'
ckpt_dir = '{{$CONVNEST_CKPT_DIR:checkpoints}}'
dims = [24, 48, 96, 192]
model = dict(
    backbone=dict(
        arch='femto',
        drop_path_rate=0.1,
        init_cfg=dict(checkpoint=f'{ckpt_dir}/convnest_femto.pth')),
    decode_head=dict(in_channels=dims),
    auxiliary_head=dict(in_channels=dims[2]))
