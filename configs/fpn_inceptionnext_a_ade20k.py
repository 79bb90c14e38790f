# Semantic FPN + InceptionNeXt-A on ADE20K, 40k iterations: the recipe of
# fpn_inceptionnext_t_ade20k.py with the atto backbone.
# Drop path 0.0 (our choice: one size step below T's 0.1; see recipes.py).
# The paper reports no atto segmentation result.
_base_ = './fpn_inceptionnext_t_ade20k.py'
ckpt_dir = '{{$INCEPTIONNEXT_CKPT_DIR:https://github.com/sail-sg/inceptionnext/releases/download/model}}'  # noqa
dims = [40, 80, 160, 320]
model = dict(
    backbone=dict(
        arch='atto',
        drop_path_rate=0.0,
        init_cfg=dict(checkpoint=f'{ckpt_dir}/inceptionnext_atto.pth')),
    neck=dict(in_channels=dims))
