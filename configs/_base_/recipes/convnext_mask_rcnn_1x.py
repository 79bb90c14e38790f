# Mask R-CNN on COCO, 1x: MMDetection's 1x schedule (12 epochs, lr steps at 8 and 11 after a
# 500-iteration warm-up) with the optimizer of ConvNeXt's 3x recipe (convnext_mask_rcnn_3x.py:
# AdamW lr 1e-4, weight decay 0.05, layer-wise lr decay 0.95 with num_layers 6, mixed
# precision); MMDetection's default runtime. A shorter, cheaper run for comparisons, not a
# paper setting. Batch 16 (8 GPUs x 2, MMDetection's COCO base).
#
# Reliability (README): as in convnext_mask_rcnn_3x.py, checkpoints written atomically (the
# hooks come with the model base).
_base_ = ['mmdet::_base_/schedules/schedule_1x.py', 'mmdet::_base_/default_runtime.py']
optim_wrapper = dict(
    _delete_=True,  # replaces the base schedule's SGD
    type='AmpOptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.05),
    constructor='StagedLRDecayOptimizerConstructor',
    paramwise_cfg=dict(decay_rate=0.95, decay_type='layer_wise', num_layers=6))
default_hooks = dict(checkpoint=dict(backend_args=dict(backend='atomic_local')))
