# UperNet + InceptionNeXt-T on ADE20K, 160k iterations, with the InceptionNeXt paper's recipe
# (Swin's): 512x512 crops, batch 16 (8 GPUs x 2), AdamW lr 6e-5, betas (0.9, 0.999), weight
# decay 0.01 (none on norms), linear warm-up over 1500 iterations then poly decay (power 1.0).
# Drop path 0.2 (paper, Table 10; mmseg_inceptionnext/recipes.py).
# Paper's result, not ours: 47.9 mIoU (multi-scale). Multi-scale + flip test: tools/test.py --tta
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
