# MMDetection's 1x schedule (12 epochs) with the optimizer of ConvNeXt's Mask R-CNN 3x recipe.
_base_ = ['mmdet::_base_/schedules/schedule_1x.py', 'mmdet::_base_/default_runtime.py']
optim_wrapper = dict(
    _delete_=True,  # replaces the base schedule's SGD
    type='AmpOptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.05),
    constructor='StagedLRDecayOptimizerConstructor',  # upstream's accepts only ConvNeXt
    paramwise_cfg=dict(decay_rate=0.95, decay_type='layer_wise', num_layers=6))
default_hooks = dict(checkpoint=dict(backend_args=dict(backend='atomic_local')))
