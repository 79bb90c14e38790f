# UperNet + InceptionNeXt-T on ADE20K, 160k iterations, 512x512 crops, batch 16 (8 GPUs x 2).
# Recipe: the InceptionNeXt paper's, i.e. Swin's UperNet recipe (docs/recipes.md).
# Drop path 0.2 (paper, Table 10).
_base_ = [
    './_base_/models/upernet.py',
    './_base_/backbones/inceptionnext.py',
    './_base_/datasets/ade20k_guarded.py',
    './_base_/recipes/swin_upernet_160k.py',
]
dims = [96, 192, 384, 768]
crop_size = (512, 512)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(_base_.backbone, arch='tiny', drop_path_rate=0.2, init_cfg=dict(
        type='Pretrained', checkpoint=f'{_base_.ckpt_dir}/inceptionnext_tiny.pth')),
    decode_head=dict(in_channels=dims),
    auxiliary_head=dict(in_channels=dims[2]))
train_dataloader = dict(batch_size=2)  # x 8 GPUs = 16
