# Cascade Mask R-CNN + FPN + InceptionNeXt-T on COCO, 3x schedule, with ConvNeXt's 4conv1fc
# GIoU box heads. The InceptionNeXt paper has no COCO results; this is ConvNeXt's 3x recipe
# (mmdet's convnext/cascade-mask-rcnn_convnext-t-p4-w7_fpn_4conv1fc-giou_amp-ms-crop-3x_coco.py):
# multi-scale training, short side 480..800 (with DETR's random crop branch), AdamW lr 2e-4,
# betas (0.9, 0.999), weight decay 0.05 (none on 1-D parameters: norms, biases, layer scales),
# 36 epochs with lr steps (x0.1) at 27 and 33 after a 1000-iteration linear warm-up, batch 16
# (8 GPUs x 2), mixed precision. Unlike ConvNeXt's configs there is no layer-wise lr decay (the
# project's recipe, SPEC.md; add constructor='StagedLRDecayOptimizerConstructor' to try it).
# Drop path 0.4: ours (the paper gives none for detection), ConvNeXt-T's rate for Cascade Mask
# R-CNN 3x, for a backbone of the same size class (28M parameters); see
# mmseg_inceptionnext/recipes.py.
#
# Pretrained weights: the official release file. To use local copies, set the environment
# variable INCEPTIONNEXT_CKPT_DIR to the directory holding inceptionnext_*.pth (all configs),
# or pass --cfg-options model.backbone.init_cfg.checkpoint=/path/to/file.pth (one run).
_base_ = [
    './_base_/models/cascade_mask_rcnn_staged.py',
    'mmdet::_base_/datasets/coco_instance.py',
    'mmdet::_base_/schedules/schedule_1x.py',
    'mmdet::_base_/default_runtime.py',
]
ckpt_dir = '{{$INCEPTIONNEXT_CKPT_DIR:https://github.com/sail-sg/inceptionnext/releases/download/model}}'  # noqa
dims = [96, 192, 384, 768]
model = dict(
    backbone=dict(
        arch='tiny',
        drop_path_rate=0.4,
        init_cfg=dict(type='Pretrained', checkpoint=f'{ckpt_dir}/inceptionnext_tiny.pth')),
    neck=dict(in_channels=dims))

# Multi-scale training as ConvNeXt's (from DETR / Sparse R-CNN): either resize the short side
# to one of 480..800, or resize to 400..600, crop 384..600 and resize to 480..800.
scales = [(480, 1333), (512, 1333), (544, 1333), (576, 1333), (608, 1333), (640, 1333),
          (672, 1333), (704, 1333), (736, 1333), (768, 1333), (800, 1333)]
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args={{_base_.backend_args}}),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='RandomFlip', prob=0.5),
    dict(
        type='RandomChoice',
        transforms=[
            [dict(type='RandomChoiceResize', scales=scales, keep_ratio=True)],
            [
                dict(type='RandomChoiceResize', scales=[(400, 1333), (500, 1333), (600, 1333)],
                     keep_ratio=True),
                dict(type='RandomCrop', crop_type='absolute_range', crop_size=(384, 600),
                     allow_negative_crop=True),
                dict(type='RandomChoiceResize', scales=scales, keep_ratio=True),
            ],
        ]),
    dict(type='PackDetInputs'),
]
# Reliability (README): bad training samples are skipped and counted, bad evaluation samples
# are an error naming the file, a non-finite loss stops the run before any checkpoint holds it,
# and checkpoints are written atomically. Written here so that the stock mmseg / mmdet tools get
# it too; this package's tools/train.py adds the same to any config.
train_dataloader = dict(
    batch_size=2,  # x 8 GPUs = 16
    dataset=dict(pipeline=[dict(type='BadSampleGuard', transforms=train_pipeline)]))
custom_hooks = [dict(type='BadSampleHook'), dict(type='NonFiniteCheckHook')]
default_hooks = dict(checkpoint=dict(backend_args=dict(backend='atomic_local')))

max_epochs = 36
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=1000),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[27, 33],
         gamma=0.1),
]
optim_wrapper = dict(
    _delete_=True,  # replaces the base schedule's SGD
    type='AmpOptimWrapper',
    optimizer=dict(type='AdamW', lr=2e-4, betas=(0.9, 0.999), weight_decay=0.05),
    paramwise_cfg=dict(flat_decay_mult=0.0))
auto_scale_lr = dict(enable=False, base_batch_size=16)
