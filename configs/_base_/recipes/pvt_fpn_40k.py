# PVT's / PoolFormer's Semantic FPN schedule and optimizer, as the InceptionNeXt paper's.
_base_ = ['mmseg::_base_/schedules/schedule_40k.py', 'mmseg::_base_/default_runtime.py']
optim_wrapper = dict(
    _delete_=True,  # replaces the base schedule's SGD
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=2e-4, weight_decay=1e-4))
param_scheduler = [
    dict(type='PolyLR', power=0.9, eta_min=0.0, by_epoch=False, begin=0, end=40000),
]
default_hooks = dict(checkpoint=dict(backend_args=dict(backend='atomic_local')))
auto_scale_lr = dict(enable=False, base_batch_size=32)
