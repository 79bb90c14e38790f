# ConvNeXt's training recipe for UperNet on ADE20K (MMSegmentation's
# convnext/convnext-tiny_upernet_8xb2-amp-160k_ade20k-512x512.py), which the ConvNeSt paper
# uses: AdamW lr 1e-4, betas (0.9, 0.999), weight decay 0.05 (none on 1-D parameters),
# stage-wise lr decay 0.9 with num_layers 6 (12 for S and B sizes: the leaves set it) through
# this package's StagedLRDecayOptimizerConstructor (the same learning rates as MMSegmentation's
# LearningRateDecayOptimizerConstructor gives ConvNeXt, tests/test_optim.py), linear warm-up
# over 1500 iterations then poly decay (power 1.0) to 160k iterations, mixed precision, on
# MMSegmentation's 160k schedule and default runtime. Batch 16 (8 GPUs x 2; the leaves set 2
# per GPU). Test: sliding 512x512 windows with stride 341 (the leaves' model.test_cfg).
#
# Reliability (README): as in swin_upernet_160k.py, checkpoints written atomically (the hooks
# come with the model base).
_base_ = ['mmseg::_base_/schedules/schedule_160k.py', 'mmseg::_base_/default_runtime.py']
optim_wrapper = dict(
    _delete_=True,  # replaces the base schedule's SGD
    type='AmpOptimWrapper',
    loss_scale='dynamic',
    optimizer=dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.05),
    constructor='StagedLRDecayOptimizerConstructor',
    paramwise_cfg=dict(decay_rate=0.9, decay_type='stage_wise', num_layers=6))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0, end=1500),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=1500, end=160000),
]
default_hooks = dict(checkpoint=dict(backend_args=dict(backend='atomic_local')))
auto_scale_lr = dict(enable=False, base_batch_size=16)
