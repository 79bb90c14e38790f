# Baseline for speed / accuracy comparisons: Semantic FPN + ConvNeXt-T (timm's implementation,
# through the TimmConvNeXt backbone) on ADE20K with exactly the heads, data, schedule and
# optimizer of ../fpn_inceptionnext_t_ade20k.py (the same bases: 40k iterations, AdamW lr
# 2e-4, weight decay 1e-4); only the backbone differs (tests/test_configs.py checks it).
# Drop path 0.2: ours, half ConvNeXt-T's UperNet rate, as the InceptionNeXt paper halves T's
# (ConvNeXt has no Semantic FPN result); mmseg_inceptionnext/recipes.py.
# For reference, the ConvNeXt paper's UperNet-T result with its own recipe, not ours:
# 46.0 / 46.7 mIoU (single / multi-scale).
_base_ = [
    '../_base_/models/fpn.py',
    '../_base_/backbones/convnext.py',
    '../_base_/datasets/ade20k_guarded.py',
    '../_base_/recipes/pvt_fpn_40k.py',
]
dims = [96, 192, 384, 768]
crop_size = (512, 512)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(_base_.backbone, arch='tiny', drop_path_rate=0.2, init_cfg=dict(
        type='Pretrained', checkpoint=f'{_base_.ckpt_dir}/convnext_tiny_1k_224.pth')),
    neck=dict(in_channels=dims))
