# Baseline: UperNet + ConvNeXt-T (timm's, through TimmConvNeXt) on ADE20K, 160k iterations.
# Recipe: exactly that of ../upernet_inceptionnext_t_ade20k.py (same bases); only the backbone
# differs. Drop path 0.4: ConvNeXt-T's own UperNet rate.
_base_ = [
    '../_base_/models/upernet.py',
    '../_base_/backbones/convnext.py',
    '../_base_/datasets/ade20k_guarded.py',
    '../_base_/recipes/swin_upernet_160k.py',
]
dims = [96, 192, 384, 768]
crop_size = (512, 512)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(_base_.backbone, arch='tiny', drop_path_rate=0.4, init_cfg=dict(
        type='Pretrained', checkpoint=f'{_base_.ckpt_dir}/convnext_tiny_1k_224.pth')),
    decode_head=dict(in_channels=dims),
    auxiliary_head=dict(in_channels=dims[2]))
train_dataloader = dict(batch_size=2)  # x 8 GPUs = 16
