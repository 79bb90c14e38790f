# UperNet + InceptionNeXt-S on ADE20K, 160k iterations: the recipe of
# upernet_inceptionnext_t_ade20k.py (the InceptionNeXt paper's) with the small backbone.
# Drop path 0.3 (paper, Table 10).
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
    backbone=dict(_base_.backbone, arch='small', drop_path_rate=0.3, init_cfg=dict(
        type='Pretrained', checkpoint=f'{_base_.ckpt_dir}/inceptionnext_small.pth')),
    decode_head=dict(in_channels=dims),
    auxiliary_head=dict(in_channels=dims[2]))
train_dataloader = dict(batch_size=2)  # x 8 GPUs = 16
