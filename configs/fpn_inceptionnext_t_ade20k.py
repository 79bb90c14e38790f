# Semantic FPN + InceptionNeXt-T on ADE20K, 40k iterations, with the recipe the InceptionNeXt
# paper takes from PVT / PoolFormer: 512x512 crops, batch 32 (8 GPUs x 4), AdamW lr 2e-4,
# weight decay 1e-4, poly decay (power 0.9). Drop path 0.1 (paper, Table 10).
# Paper's result, not ours: 43.1 mIoU (multi-scale). Multi-scale + flip test: tools/test.py --tta
#
# Pretrained weights: set INCEPTIONNEXT_CKPT_DIR to a directory of local inceptionnext_*.pth
# copies, or pass --cfg-options model.backbone.init_cfg.checkpoint=/path/to/file.pth.
_base_ = [
    './_base_/models/fpn.py',
    'mmseg::_base_/datasets/ade20k.py',
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
# Reliability (README): bad training samples are skipped and counted, bad evaluation samples
# are an error naming the file, a non-finite loss stops the run before any checkpoint holds it,
# and checkpoints are written atomically. Written here so that the stock mmseg / mmdet tools get
# it too; this package's tools/train.py adds the same to any config.
train_dataloader = dict(
    batch_size=4,  # x 8 GPUs = 32
    dataset=dict(pipeline=[
        dict(type='BadSampleGuard', transforms={{_base_.train_pipeline}}, num_classes=150)]))
custom_hooks = [dict(type='BadSampleHook'), dict(type='NonFiniteCheckHook')]
default_hooks = dict(checkpoint=dict(backend_args=dict(backend='atomic_local')))
val_dataloader = dict(batch_size=1)
test_dataloader = val_dataloader
auto_scale_lr = dict(enable=False, base_batch_size=32)

# Multi-scale (0.5..1.75) + flip test, with reduce_zero_label=True (missing in mmseg's base).
img_ratios = [0.5, 0.75, 1.0, 1.25, 1.5, 1.75]
tta_pipeline = [
    dict(type='LoadImageFromFile', backend_args=None),
    dict(
        type='TestTimeAug',
        transforms=[
            [dict(type='Resize', scale_factor=r, keep_ratio=True) for r in img_ratios],
            [
                dict(type='RandomFlip', prob=0.0, direction='horizontal'),
                dict(type='RandomFlip', prob=1.0, direction='horizontal'),
            ],
            [dict(type='LoadAnnotations', reduce_zero_label=True)],
            [dict(type='PackSegInputs')],
        ]),
]
