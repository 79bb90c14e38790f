# The training recipe the InceptionNeXt paper uses for Semantic FPN on ADE20K (PVT's /
# PoolFormer's): AdamW lr 2e-4, weight decay 1e-4, poly decay (power 0.9) over 40k
# iterations, on MMSegmentation's 40k schedule and default runtime. Batch 32 (8 GPUs x 4,
# MMSegmentation's ADE20K base).
#
# Reliability (README): as in swin_upernet_160k.py, checkpoints written atomically (the hooks
# come with the model base).
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
