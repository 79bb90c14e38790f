# The training recipe the InceptionNeXt paper uses for UperNet on ADE20K (Swin's): AdamW lr
# 6e-5, betas (0.9, 0.999), weight decay 0.01 (none on norms), linear warm-up over 1500
# iterations then poly decay (power 1.0) to 160k iterations, on MMSegmentation's 160k schedule
# and default runtime. Batch 16 (8 GPUs x 2; the leaves set 2 per GPU).
#
# Reliability (README): checkpoints are written atomically (here). The model bases switch on
# the rest with this package's registration: bad training samples are skipped and counted
# (BadSampleGuard in the dataset base, BadSampleHook), bad evaluation samples are an error
# naming the file, and a non-finite loss stops the run before any checkpoint holds it
# (NonFiniteCheckHook). Written into the configs so that the stock mmseg / mmdet tools get it too.
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
