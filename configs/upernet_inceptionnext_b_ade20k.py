# UperNet + InceptionNeXt-B on ADE20K, 160k iterations: the recipe of
# upernet_inceptionnext_t_ade20k.py with the base backbone.
# Drop path 0.4 (paper, Table 10).
# Paper's result, not ours: 50.6 mIoU (multi-scale).
_base_ = './upernet_inceptionnext_t_ade20k.py'
ckpt_dir = '{{$INCEPTIONNEXT_CKPT_DIR:https://github.com/sail-sg/inceptionnext/releases/download/model}}'  # noqa
dims = [128, 256, 512, 1024]
model = dict(
    backbone=dict(
        arch='base',
        drop_path_rate=0.4,
        init_cfg=dict(checkpoint=f'{ckpt_dir}/inceptionnext_base.pth')),
    decode_head=dict(in_channels=dims),
    auxiliary_head=dict(in_channels=dims[2]))
