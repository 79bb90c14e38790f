# UperNet + InceptionNeXt-A on ADE20K, 160k iterations: the recipe of
# upernet_inceptionnext_t_ade20k.py with the atto backbone.
# Drop path 0.1 (our choice: one size step below T's 0.2; see recipes.py).
# The paper reports no atto segmentation result.
_base_ = './upernet_inceptionnext_t_ade20k.py'
ckpt_dir = '{{$INCEPTIONNEXT_CKPT_DIR:https://github.com/sail-sg/inceptionnext/releases/download/model}}'  # noqa
dims = [40, 80, 160, 320]
model = dict(
    backbone=dict(
        arch='atto',
        drop_path_rate=0.1,
        init_cfg=dict(checkpoint=f'{ckpt_dir}/inceptionnext_atto.pth')),
    decode_head=dict(in_channels=dims),
    auxiliary_head=dict(in_channels=dims[2]))
