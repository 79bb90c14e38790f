# UperNet + ConvNeSt-N on ADE20K, 160k iterations: the recipe of
# upernet_convnest_t_ade20k.py with the nano backbone.
# Drop path 0.2 (our choice: between the smaller sizes and T, for 15M parameters;
# see recipes.py).
# No paper result is quoted for this size.
_base_ = './upernet_convnest_t_ade20k.py'
ckpt_dir = '{{$CONVNEST_CKPT_DIR:checkpoints}}'
dims = [40, 80, 160, 320]
model = dict(
    backbone=dict(
        arch='nano',
        drop_path_rate=0.2,
        init_cfg=dict(checkpoint=f'{ckpt_dir}/convnest_nano.pth')),
    decode_head=dict(in_channels=dims),
    auxiliary_head=dict(in_channels=dims[2]))
