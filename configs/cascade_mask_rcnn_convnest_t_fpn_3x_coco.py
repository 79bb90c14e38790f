# Cascade Mask R-CNN + FPN + ConvNeSt-T on COCO, 3x schedule (4conv1fc GIoU box heads). The
# ConvNeSt paper trains this detector with ConvNeXt's 3x recipe (its result, not ours:
# Mask R-CNN 47.3 box AP / 42.1 mask AP, Cascade 51.0 / 44.1), so this is that recipe, as in
# cascade_mask_rcnn_inceptionnext_t_fpn_3x_coco.py (mmdet's convnext/
# cascade-mask-rcnn_convnext-t-p4-w7_fpn_4conv1fc-giou_amp-ms-crop-3x_coco.py):
# multi-scale training, short side 480..800, AdamW lr 2e-4, weight decay 0.05 (none on 1-D
# parameters), 36 epochs with lr steps at 27 and 33, batch 16 (8 GPUs x 2), mixed precision.
# The backbone keeps ConvNeSt's own channels-first LayerNorms (the paper's design, and the
# parameters a classification checkpoint holds) and adds one on each returned stage, as
# ConvNeXt does for detection; SyncBN would not load LayerNorm weights.
# Drop path 0.4: ours (the paper gives none for dense prediction), ConvNeXt-T's COCO rate for
# a backbone of the same size class (27M parameters); see mmseg_inceptionnext/recipes.py.
#
# Pretrained weights: no official ConvNeSt weights exist (there is no official code either).
# Train or convert your own ImageNet checkpoint, put convnest_*.pth in ./checkpoints or in the
# directory named by the environment variable CONVNEST_CKPT_DIR, or pass
# --cfg-options model.backbone.init_cfg.checkpoint=/path/to/file.pth (one run).
_base_ = [
    './_base_/models/cascade_mask_rcnn_staged.py',
    './_base_/datasets/coco_instance_ms_guarded.py',
    './_base_/schedules/coco_3x.py',
    'mmdet::_base_/default_runtime.py',
]
ckpt_dir = '{{$CONVNEST_CKPT_DIR:checkpoints}}'
dims = [48, 96, 192, 384]
layer_norm = dict(type='ChannelsFirstLN', eps=1e-6, requires_grad=True)
model = dict(
    backbone=dict(
        type='ConvNeSt',
        arch='tiny',
        drop_path_rate=0.4,
        norm_cfg=layer_norm,
        out_norm_cfg=layer_norm,
        init_cfg=dict(type='Pretrained', checkpoint=f'{ckpt_dir}/convnest_tiny.pth')),
    neck=dict(in_channels=dims))

# Reliability (README): bad training samples are skipped and counted (BadSampleGuard in the
# dataset base), bad evaluation samples are an error naming the file, a non-finite loss stops
# the run before any checkpoint holds it, and checkpoints are written atomically. Written into
# the configs so that the stock mmseg / mmdet tools get it too.
train_dataloader = dict(batch_size=2)  # x 8 GPUs = 16
custom_hooks = [dict(type='BadSampleHook'), dict(type='NonFiniteCheckHook')]
default_hooks = dict(checkpoint=dict(backend_args=dict(backend='atomic_local')))

optim_wrapper = dict(
    _delete_=True,  # replaces the base schedule's SGD
    type='AmpOptimWrapper',
    optimizer=dict(type='AdamW', lr=2e-4, betas=(0.9, 0.999), weight_decay=0.05),
    paramwise_cfg=dict(flat_decay_mult=0.0))
auto_scale_lr = dict(enable=False, base_batch_size=16)
