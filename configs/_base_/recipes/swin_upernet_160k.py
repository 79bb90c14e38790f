# Swin's UperNet schedule and optimizer on ADE20K, as the InceptionNeXt paper's.
_base_ = ['mmseg::_base_/schedules/schedule_160k.py', 'mmseg::_base_/default_runtime.py']
optim_wrapper = dict(
    _delete_=True,  # replaces the base schedule's SGD
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=6e-5, betas=(0.9, 0.999), weight_decay=0.01),
    paramwise_cfg=dict(custom_keys={'norm': dict(decay_mult=0.0)}))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0, end=1500),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=1500, end=160000),
]
default_hooks = dict(checkpoint=dict(backend_args=dict(backend='atomic_local')))
auto_scale_lr = dict(enable=False, base_batch_size=16)
