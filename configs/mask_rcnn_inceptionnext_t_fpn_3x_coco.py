# Mask R-CNN + FPN + InceptionNeXt-T on COCO, 3x schedule. The InceptionNeXt paper has no COCO
# results; this is ConvNeXt's 3x recipe (mmdet's convnext/mask-rcnn_convnext-t-p4-w7_fpn_amp-
# ms-crop-3x_coco.py): multi-scale training, short side 480..800 (with DETR's random crop
# branch), AdamW lr 1e-4, betas (0.9, 0.999), weight decay 0.05 (none on 1-D parameters: norms,
# biases, layer scales), 36 epochs with lr steps (x0.1) at 27 and 33 after a 1000-iteration
# linear warm-up, batch 16 (8 GPUs x 2), mixed precision. Unlike ConvNeXt's configs there is
# no layer-wise lr decay (the project's recipe, SPEC.md; add
# constructor='StagedLRDecayOptimizerConstructor' to try it).
# Drop path 0.4: ours (the paper gives none for detection), ConvNeXt-T's rate for Mask R-CNN
# 3x, for a backbone of the same size class (28M parameters); mmseg_inceptionnext/recipes.py.
#
# Pretrained weights: the official release file. To use local copies, set the environment
# variable INCEPTIONNEXT_CKPT_DIR to the directory holding inceptionnext_*.pth (all configs),
# or pass --cfg-options model.backbone.init_cfg.checkpoint=/path/to/file.pth (one run).
_base_ = [
    './_base_/models/mask_rcnn_staged.py',
    './_base_/datasets/coco_instance_ms_guarded.py',
    './_base_/schedules/coco_3x.py',
    'mmdet::_base_/default_runtime.py',
]
ckpt_dir = '{{$INCEPTIONNEXT_CKPT_DIR:https://github.com/sail-sg/inceptionnext/releases/download/model}}'  # noqa
dims = [96, 192, 384, 768]
model = dict(
    backbone=dict(
        arch='tiny',
        drop_path_rate=0.4,
        init_cfg=dict(type='Pretrained', checkpoint=f'{ckpt_dir}/inceptionnext_tiny.pth')),
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
    optimizer=dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.05),
    paramwise_cfg=dict(flat_decay_mult=0.0))
auto_scale_lr = dict(enable=False, base_batch_size=16)
