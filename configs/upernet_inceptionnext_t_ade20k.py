# UperNet + InceptionNeXt-T on ADE20K, 160k iterations, with the InceptionNeXt paper's recipe
# (Swin's): 512x512 crops, batch 16 (8 GPUs x 2), AdamW lr 6e-5, betas (0.9, 0.999), weight
# decay 0.01 (none on norms), linear warm-up over 1500 iterations then poly decay (power 1.0).
# Drop path 0.2 (paper, Table 10; mmseg_inceptionnext/recipes.py).
# Paper's result, not ours: 47.9 mIoU (multi-scale). Multi-scale + flip test: tools/test.py --tta
#
# Pretrained weights: the official release file. To use local copies, set the environment
# variable INCEPTIONNEXT_CKPT_DIR to the directory holding inceptionnext_*.pth (all configs),
# or pass --cfg-options model.backbone.init_cfg.checkpoint=/path/to/file.pth (one run).
_base_ = [
    './_base_/models/upernet.py',
    './_base_/datasets/ade20k_guarded.py',
    'mmseg::_base_/default_runtime.py',
    'mmseg::_base_/schedules/schedule_160k.py',
]
ckpt_dir = '{{$INCEPTIONNEXT_CKPT_DIR:https://github.com/sail-sg/inceptionnext/releases/download/model}}'  # noqa
dims = [96, 192, 384, 768]
crop_size = (512, 512)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(
        arch='tiny',
        drop_path_rate=0.2,
        init_cfg=dict(type='Pretrained', checkpoint=f'{ckpt_dir}/inceptionnext_tiny.pth')),
    decode_head=dict(in_channels=dims),
    auxiliary_head=dict(in_channels=dims[2]))

optim_wrapper = dict(
    _delete_=True,  # replaces the base schedule's SGD
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=6e-5, betas=(0.9, 0.999), weight_decay=0.01),
    paramwise_cfg=dict(custom_keys={'norm': dict(decay_mult=0.0)}))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0, end=1500),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=1500, end=160000),
]
# Reliability (README): bad training samples are skipped and counted (BadSampleGuard in the
# dataset base), bad evaluation samples are an error naming the file, a non-finite loss stops
# the run before any checkpoint holds it, and checkpoints are written atomically. Written into
# the configs so that the stock mmseg / mmdet tools get it too.
train_dataloader = dict(batch_size=2)  # x 8 GPUs = 16; pipeline guarded in the dataset base
custom_hooks = [dict(type='BadSampleHook'), dict(type='NonFiniteCheckHook')]
default_hooks = dict(checkpoint=dict(backend_args=dict(backend='atomic_local')))
auto_scale_lr = dict(enable=False, base_batch_size=16)
