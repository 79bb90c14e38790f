# ConvNeXt's 3x training recipe for Mask R-CNN on COCO (MMDetection's
# convnext/mask-rcnn_convnext-t-p4-w7_fpn_amp-ms-crop-3x_coco.py): AdamW lr 1e-4, betas
# (0.9, 0.999), weight decay 0.05 (none on 1-D parameters: norms, biases, layer scales),
# layer-wise lr decay 0.95 with num_layers 6 (12 for S and B sizes: the leaves set it) through
# this package's StagedLRDecayOptimizerConstructor (the same learning rates as MMDetection's
# LearningRateDecayOptimizerConstructor gives ConvNeXt, tests/test_optim.py), mixed precision;
# MMDetection's 1x schedule stretched to 36 epochs, lr steps (x0.1) at epochs 27 and 33 after
# a 1000-iteration linear warm-up; MMDetection's default runtime. Batch 16 (8 GPUs x 2,
# MMDetection's COCO base).
#
# Reliability (README): checkpoints are written atomically (here). The model bases switch on
# the rest with this package's registration: bad training samples are skipped and counted
# (BadSampleGuard in the dataset base, BadSampleHook), bad evaluation samples are an error
# naming the file, and a non-finite loss stops the run before any checkpoint holds it
# (NonFiniteCheckHook). Written into the configs so that the stock mmdet tools get it too.
_base_ = ['mmdet::_base_/schedules/schedule_1x.py', 'mmdet::_base_/default_runtime.py']
optim_wrapper = dict(
    _delete_=True,  # replaces the base schedule's SGD
    type='AmpOptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.05),
    constructor='StagedLRDecayOptimizerConstructor',
    paramwise_cfg=dict(decay_rate=0.95, decay_type='layer_wise', num_layers=6))
max_epochs = 36
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=1000),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[27, 33],
         gamma=0.1),
]
default_hooks = dict(checkpoint=dict(backend_args=dict(backend='atomic_local')))
