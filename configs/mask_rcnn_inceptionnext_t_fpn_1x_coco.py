# Mask R-CNN + FPN + InceptionNeXt-T on COCO, 1x schedule: mmdet's 1x (single-scale training at
# 1333x800, 12 epochs, lr steps at 8 and 11, 500-iteration warm-up) with the optimizer of
# mask_rcnn_inceptionnext_t_fpn_3x_coco.py (AdamW lr 1e-4, weight decay 0.05, batch 16, mixed
# precision). A shorter, cheaper run for comparisons, not a paper setting.
# Drop path 0.4, as in the 3x config (one rate per backbone and detector in
# mmseg_inceptionnext/recipes.py), so 1x and 3x runs differ only in schedule and augmentation.
_base_ = './mask_rcnn_inceptionnext_t_fpn_3x_coco.py'
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args={{_base_.backend_args}}),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='Resize', scale=(1333, 800), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
train_dataloader = dict(
    dataset=dict(pipeline=[dict(type='BadSampleGuard', transforms=train_pipeline)]))

max_epochs = 12
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[8, 11],
         gamma=0.1),
]
