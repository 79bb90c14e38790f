# Semantic FPN + InceptionNeXt-A on ADE20K, 40k iterations: the recipe of
# fpn_inceptionnext_t_ade20k.py (the InceptionNeXt paper's) with the atto backbone.
# Drop path 0.0: ours, one size step below T's 0.1 (the paper gives none for atto).
_base_ = [
    './_base_/models/fpn.py',
    './_base_/backbones/inceptionnext.py',
    './_base_/datasets/ade20k_guarded.py',
    './_base_/recipes/pvt_fpn_40k.py',
]
dims = [40, 80, 160, 320]
crop_size = (512, 512)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(_base_.backbone, arch='atto', drop_path_rate=0.0, init_cfg=dict(
        type='Pretrained', checkpoint=f'{_base_.ckpt_dir}/inceptionnext_atto.pth')),
    neck=dict(in_channels=dims))
