# Semantic FPN + InceptionNeXt-T on ADE20K, 40k iterations, with the recipe the InceptionNeXt
# paper takes from PVT / PoolFormer: 512x512 crops, batch 32 (8 GPUs x 4), AdamW lr 2e-4,
# weight decay 1e-4, poly decay (power 0.9). Drop path 0.1 (paper, Table 10).
# Paper's result, not ours: 43.1 mIoU (multi-scale). Multi-scale + flip test: tools/test.py --tta
#
# Pretrained weights: set INCEPTIONNEXT_CKPT_DIR to a directory of local inceptionnext_*.pth
# copies, or pass --cfg-options model.backbone.init_cfg.checkpoint=/path/to/file.pth.
_base_ = [
    './_base_/models/fpn.py',
    './_base_/datasets/ade20k_guarded.py',
    'mmseg::_base_/default_runtime.py',
    'mmseg::_base_/schedules/schedule_40k.py',
]
ckpt_dir = '{{$INCEPTIONNEXT_CKPT_DIR:https://github.com/sail-sg/inceptionnext/releases/download/model}}'  # noqa
dims = [96, 192, 384, 768]
crop_size = (512, 512)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(
        arch='tiny',
        drop_path_rate=0.1,
        init_cfg=dict(type='Pretrained', checkpoint=f'{ckpt_dir}/inceptionnext_tiny.pth')),
    neck=dict(in_channels=dims))

optim_wrapper = dict(
    _delete_=True,  # replaces the base schedule's SGD
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=2e-4, weight_decay=1e-4))
param_scheduler = [
    dict(type='PolyLR', power=0.9, eta_min=0.0, by_epoch=False, begin=0, end=40000),
]
# Reliability (README): bad training samples are skipped and counted (BadSampleGuard in the
# dataset base), bad evaluation samples are an error naming the file, a non-finite loss stops
# the run before any checkpoint holds it, and checkpoints are written atomically. Written into
# the configs so that the stock mmseg / mmdet tools get it too.
train_dataloader = dict(batch_size=4)  # x 8 GPUs = 32; pipeline guarded in the dataset base
custom_hooks = [dict(type='BadSampleHook'), dict(type='NonFiniteCheckHook')]
default_hooks = dict(checkpoint=dict(backend_args=dict(backend='atomic_local')))
auto_scale_lr = dict(enable=False, base_batch_size=32)
