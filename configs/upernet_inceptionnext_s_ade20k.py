# UperNet + InceptionNeXt-S on ADE20K, 160k iterations: the recipe of
# upernet_inceptionnext_t_ade20k.py with the small backbone.
# Drop path 0.3 (paper, Table 10).
# Paper's result, not ours: 50.0 mIoU (multi-scale).
_base_ = './upernet_inceptionnext_t_ade20k.py'
ckpt_dir = '{{$INCEPTIONNEXT_CKPT_DIR:https://github.com/sail-sg/inceptionnext/releases/download/model}}'  # noqa
dims = [96, 192, 384, 768]
model = dict(
    backbone=dict(
        arch='small',
        drop_path_rate=0.3,
        init_cfg=dict(checkpoint=f'{ckpt_dir}/inceptionnext_small.pth')),
    decode_head=dict(in_channels=dims),
    auxiliary_head=dict(in_channels=dims[2]))
