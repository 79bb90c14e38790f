# Baseline: Semantic FPN + ConvNeXt-T (timm's, through TimmConvNeXt) on ADE20K, 40k iterations.
# Recipe: exactly that of ../fpn_inceptionnext_t_ade20k.py (same bases); only the backbone differs.
# Drop path 0.2: ours, ConvNeXt-T's UperNet 0.4 halved, as the InceptionNeXt paper halves for FPN.
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
