# Semantic FPN + InceptionNeXt-T on ADE20K, 40k iterations, with the recipe the InceptionNeXt
# paper takes from PVT / PoolFormer: 512x512 crops, batch 32 (8 GPUs x 4), AdamW lr 2e-4,
# weight decay 1e-4, poly decay (power 0.9). Drop path 0.1 (paper, Table 10).
# Paper's result, not ours: 43.1 mIoU (multi-scale). Multi-scale + flip test: tools/test.py --tta
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
