# Semantic FPN + InceptionNeXt-T on ADE20K, 40k iterations, 512x512 crops, batch 32 (8 GPUs x 4).
# Recipe: the InceptionNeXt paper's, i.e. PVT's / PoolFormer's FPN recipe (docs/recipes.md).
# Drop path 0.1 (paper, Table 10).
_base_ = [
    './_base_/models/fpn.py',
    './_base_/backbones/inceptionnext.py',
    './_base_/datasets/ade20k_guarded.py',
    './_base_/recipes/pvt_fpn_40k.py',
]
dims = [96, 192, 384, 768]
crop_size = (512, 512)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(_base_.backbone, arch='tiny', drop_path_rate=0.1, init_cfg=dict(
        type='Pretrained', checkpoint=f'{_base_.ckpt_dir}/inceptionnext_tiny.pth')),
    neck=dict(in_channels=dims))
