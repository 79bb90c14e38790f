# ConvNeXt's 3x training recipe for Cascade Mask R-CNN on COCO (MMDetection's
# convnext/cascade-mask-rcnn_convnext-t-p4-w7_fpn_4conv1fc-giou_amp-ms-crop-3x_coco.py): as
# convnext_mask_rcnn_3x.py but AdamW lr 2e-4 and layer-wise lr decay 0.7 (num_layers 6; 12
# for S and B sizes: the leaves set it). Batch 16 (8 GPUs x 2, MMDetection's COCO base).
#
# Reliability (README): as in convnext_mask_rcnn_3x.py, checkpoints written atomically (the
# hooks come with the model base).
_base_ = ['mmdet::_base_/schedules/schedule_1x.py', 'mmdet::_base_/default_runtime.py']
optim_wrapper = dict(
    _delete_=True,  # replaces the base schedule's SGD
    type='AmpOptimWrapper',
    optimizer=dict(type='AdamW', lr=2e-4, betas=(0.9, 0.999), weight_decay=0.05),
    constructor='StagedLRDecayOptimizerConstructor',
    paramwise_cfg=dict(decay_rate=0.7, decay_type='layer_wise', num_layers=6))
max_epochs = 36
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=1000),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[27, 33],
         gamma=0.1),
]
default_hooks = dict(checkpoint=dict(backend_args=dict(backend='atomic_local')))
