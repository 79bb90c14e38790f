# ConvNeXt's Cascade Mask R-CNN 3x schedule and optimizer, as in MMDetection's convnext config.
_base_ = ['mmdet::_base_/schedules/schedule_1x.py', 'mmdet::_base_/default_runtime.py']
optim_wrapper = dict(
    _delete_=True,  # replaces the base schedule's SGD
    type='AmpOptimWrapper',
    optimizer=dict(type='AdamW', lr=2e-4, betas=(0.9, 0.999), weight_decay=0.05),
    constructor='StagedLRDecayOptimizerConstructor',  # upstream's accepts only ConvNeXt
    paramwise_cfg=dict(decay_rate=0.7, decay_type='layer_wise', num_layers=6))
max_epochs = 36
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=1000),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[27, 33],
         gamma=0.1),
]
default_hooks = dict(checkpoint=dict(backend_args=dict(backend='atomic_local')))
