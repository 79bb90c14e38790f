# UperNet + ConvNeSt-B on ADE20K, 160k iterations: the recipe of
# upernet_convnest_t_ade20k.py (ConvNeXt's, as the ConvNeSt paper) with the base backbone.
# Drop path 0.4: ours, ConvNeXt-B's UperNet rate (same size class).
_base_ = [
    './_base_/models/upernet.py',
    './_base_/backbones/convnest.py',
    './_base_/datasets/ade20k_guarded.py',
    './_base_/recipes/convnext_upernet_160k.py',
]
dims = [72, 144, 288, 576]
crop_size = (512, 512)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(_base_.backbone, arch='base', drop_path_rate=0.4, init_cfg=dict(
        type='Pretrained', checkpoint=f'{_base_.ckpt_dir}/convnest_base.pth')),
    decode_head=dict(in_channels=dims),
    auxiliary_head=dict(in_channels=dims[2]),
    test_cfg=dict(mode='slide', crop_size=crop_size, stride=(341, 341)))
optim_wrapper = dict(paramwise_cfg=dict(num_layers=12))  # as ConvNeXt-S/B recipes
train_dataloader = dict(batch_size=2)  # x 8 GPUs = 16
