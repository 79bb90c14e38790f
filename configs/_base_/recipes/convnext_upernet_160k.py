# ConvNeXt's UperNet schedule and optimizer on ADE20K (MMSegmentation's convnext config).
_base_ = ['mmseg::_base_/schedules/schedule_160k.py', 'mmseg::_base_/default_runtime.py']
optim_wrapper = dict(
    _delete_=True,  # replaces the base schedule's SGD
    type='AmpOptimWrapper',
    loss_scale='dynamic',
    optimizer=dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.05),
    constructor='StagedLRDecayOptimizerConstructor',  # upstream's accepts only ConvNeXt
    paramwise_cfg=dict(decay_rate=0.9, decay_type='stage_wise', num_layers=6))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0, end=1500),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=1500, end=160000),
]
default_hooks = dict(checkpoint=dict(backend_args=dict(backend='atomic_local')))
auto_scale_lr = dict(enable=False, base_batch_size=16)
