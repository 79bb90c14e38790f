# UperNet + ConvNeSt-T on ADE20K, 160k iterations, with ConvNeXt's UperNet recipe as the
# ConvNeSt paper uses it: 512x512 crops, batch 16 (8 GPUs x 2), AdamW lr 1e-4, betas
# (0.9, 0.999), weight decay 0.05, stage-wise lr decay 0.9, linear warm-up over 1500
# iterations then poly decay (power 1.0), mixed precision.
# Drop path 0.4: the paper gives none for dense prediction; we take ConvNeXt-T's UperNet rate,
# the model of the same size class (27M vs 28M parameters). All rates: recipes.py.
# Paper's result, not ours: 47.8 / 48.5 mIoU (single / multi-scale).
#
# No official ConvNeSt weights exist: train or convert your own ImageNet checkpoint (key layout
# in docs/convnest.md) and set CONVNEST_CKPT_DIR to the directory holding convnest_*.pth, or
# pass --cfg-options model.backbone.init_cfg.checkpoint=/path/to/file.pth.
_base_ = [
    './_base_/models/upernet.py',
    './_base_/datasets/ade20k_guarded.py',
    'mmseg::_base_/default_runtime.py',
    'mmseg::_base_/schedules/schedule_160k.py',
]
ckpt_dir = '{{$CONVNEST_CKPT_DIR:checkpoints}}'
dims = [48, 96, 192, 384]
crop_size = (512, 512)
# ConvNeSt normalises with LayerNorm over channels inside the backbone and, as ConvNeXt's
# dense-prediction backbones do, on each returned stage; the heads keep SyncBN.
backbone_norm_cfg = dict(type='ChannelsFirstLN', eps=1e-6)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(
        _delete_=True,  # the model base's backbone is InceptionNeXt
        type='ConvNeSt',
        arch='tiny',
        out_indices=(0, 1, 2, 3),
        drop_path_rate=0.4,
        norm_cfg=backbone_norm_cfg,
        out_norm_cfg=backbone_norm_cfg,
        init_cfg=dict(type='Pretrained', checkpoint=f'{ckpt_dir}/convnest_tiny.pth')),
    decode_head=dict(in_channels=dims),
    auxiliary_head=dict(in_channels=dims[2]))

optim_wrapper = dict(
    _delete_=True,  # replaces the base schedule's SGD
    type='AmpOptimWrapper',
    loss_scale='dynamic',
    optimizer=dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.05),
    constructor='StagedLRDecayOptimizerConstructor',
    paramwise_cfg=dict(decay_rate=0.9, decay_type='stage_wise'))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0, end=1500),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=1500, end=160000),
]
# Reliability (README): bad training samples are skipped and counted (BadSampleGuard in the
# dataset base), bad evaluation samples are an error naming the file, a non-finite loss stops
# the run before any checkpoint holds it, and checkpoints are written atomically. Written into
# the configs so that the stock mmseg / mmdet tools get it too.
train_dataloader = dict(batch_size=2)  # x 8 GPUs = 16; pipeline guarded in the dataset base
custom_hooks = [dict(type='BadSampleHook'), dict(type='NonFiniteCheckHook')]
default_hooks = dict(checkpoint=dict(backend_args=dict(backend='atomic_local')))
auto_scale_lr = dict(enable=False, base_batch_size=16)
