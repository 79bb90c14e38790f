# Baseline for speed / accuracy comparisons: UperNet + ConvNeXt-T (timm's implementation, through
# the TimmConvNeXt backbone) on ADE20K with exactly the heads, data, schedule and optimizer of
# ../upernet_inceptionnext_t_ade20k.py (the same bases: 160k iterations, AdamW lr 6e-5, weight
# decay 0.01, none on 'norm' parameters); only the backbone differs (tests/test_configs.py
# checks it). The 'norm' key still matches parameters (the blocks' LayerNorms and the output
# norms), so the paramwise_cfg applies unchanged.
# Drop path 0.4: ConvNeXt-T's own UperNet rate (mmseg_inceptionnext/recipes.py).
# ConvNeXt paper's result with its own recipe (AdamW lr 1e-4, stage-wise lr decay; ConvNeSt's
# UperNet configs use that one), not ours: 46.0 / 46.7 mIoU (single / multi-scale).
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
