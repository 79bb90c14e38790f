# The training recipe the InceptionNeXt paper uses for Semantic FPN on ADE20K (PVT's /
# PoolFormer's): AdamW lr 2e-4, weight decay 1e-4, poly decay (power 0.9) over 40k
# iterations, on MMSegmentation's 40k schedule and default runtime. Batch 32 (8 GPUs x 4,
# MMSegmentation's ADE20K base).
#
# Reliability (README): as in swin_upernet_160k.py, BadSampleHook and NonFiniteCheckHook, and
# checkpoints written atomically.
_base_ = ['mmseg::_base_/schedules/schedule_40k.py', 'mmseg::_base_/default_runtime.py']
optim_wrapper = dict(
    _delete_=True,  # replaces the base schedule's SGD
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=2e-4, weight_decay=1e-4))
param_scheduler = [
    dict(type='PolyLR', power=0.9, eta_min=0.0, by_epoch=False, begin=0, end=40000),
]
custom_hooks = [dict(type='BadSampleHook'), dict(type='NonFiniteCheckHook')]
default_hooks = dict(checkpoint=dict(backend_args=dict(backend='atomic_local')))
auto_scale_lr = dict(enable=False, base_batch_size=32)
