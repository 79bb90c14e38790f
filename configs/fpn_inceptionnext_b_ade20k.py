# Semantic FPN + InceptionNeXt-B on ADE20K, 40k iterations: the recipe of
# fpn_inceptionnext_t_ade20k.py (the InceptionNeXt paper's) with the base backbone.
# Drop path 0.2 (paper, Table 10).
_base_ = [
    './_base_/models/fpn.py',
    './_base_/backbones/inceptionnext.py',
    './_base_/datasets/ade20k_guarded.py',
    './_base_/recipes/pvt_fpn_40k.py',
]
dims = [128, 256, 512, 1024]
crop_size = (512, 512)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(_base_.backbone, arch='base', drop_path_rate=0.2, init_cfg=dict(
        type='Pretrained', checkpoint=f'{_base_.ckpt_dir}/inceptionnext_base.pth')),
    neck=dict(in_channels=dims))
