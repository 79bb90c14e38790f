# UperNet + ConvNeSt-T on ADE20K, 160k iterations: ConvNeXt's recipe, as the paper, i.e.
#   convnext/convnext-tiny_upernet_8xb2-amp-160k_ade20k-512x512.py (differences: docs/recipes.md).
# Drop path 0.4: ours, ConvNeXt-T's UperNet rate (same size class; the paper gives none).
_base_ = [
    './_base_/models/upernet.py',
    './_base_/backbones/convnest.py',
    './_base_/datasets/ade20k_guarded.py',
    './_base_/recipes/convnext_upernet_160k.py',
]
dims = [48, 96, 192, 384]
crop_size = (512, 512)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(_base_.backbone, arch='tiny', drop_path_rate=0.4, init_cfg=dict(
        type='Pretrained', checkpoint=f'{_base_.ckpt_dir}/convnest_tiny.pth')),
    decode_head=dict(in_channels=dims),
    auxiliary_head=dict(in_channels=dims[2]),
    test_cfg=dict(mode='slide', crop_size=crop_size, stride=(341, 341)))
train_dataloader = dict(batch_size=2)  # x 8 GPUs = 16
