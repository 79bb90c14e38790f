# Cascade Mask R-CNN + FPN + InceptionNeXt-T on COCO, 3x schedule, with ConvNeXt's 4conv1fc
# GIoU box heads. The InceptionNeXt paper has no COCO results; this is ConvNeXt's 3x recipe
# (mmdet's convnext/cascade-mask-rcnn_convnext-t-p4-w7_fpn_4conv1fc-giou_amp-ms-crop-3x_coco.py):
# multi-scale training, short side 480..800 (with DETR's random crop branch), AdamW lr 2e-4,
# betas (0.9, 0.999), weight decay 0.05 (none on 1-D parameters: norms, biases, layer scales),
# 36 epochs with lr steps (x0.1) at 27 and 33 after a 1000-iteration linear warm-up, batch 16
# (8 GPUs x 2), mixed precision, layer-wise lr decay 0.7 over num_layers 6
# (_base_/recipes/convnext_cascade_mask_rcnn_3x.py).
# Drop path 0.4: ours (the paper gives none for detection), ConvNeXt-T's rate for Cascade Mask
# R-CNN 3x, for a backbone of the same size class (28M parameters); see
# mmseg_inceptionnext/recipes.py.
#
# Differences from MMDetection's
#   convnext/cascade-mask-rcnn_convnext-t-p4-w7_fpn_4conv1fc-giou_amp-ms-crop-3x_coco.py,
#   key by key (any other fails tests/test_recipe_parity.py):
# - custom_imports: registers this package (upstream imports mmpretrain for its ConvNeXt).
# - model.backbone: InceptionNeXt-T (SyncBN, a SyncBN on each returned stage) with its own
#   checkpoint, instead of mmpretrain's ConvNeXt-T.
# - optim_wrapper.constructor: this package's StagedLRDecayOptimizerConstructor: the same
#   paramwise_cfg and, on ConvNeXt, the same learning rates as upstream's, which accepts only
#   ConvNeXt (tests/test_optim.py).
# - train_dataloader.dataset.pipeline: upstream's very transforms, inside BadSampleGuard (bad
#   samples skipped and counted; tests/test_recipe_parity.py checks the transforms).
# - custom_hooks: BadSampleHook, NonFiniteCheckHook, SafeCheckpointHook (README "Reliability").
# - default_hooks.checkpoint.backend_args: checkpoints written atomically.
_base_ = [
    './_base_/models/cascade_mask_rcnn.py',
    './_base_/backbones/inceptionnext.py',
    './_base_/datasets/coco_instance_ms_guarded.py',
    './_base_/recipes/convnext_cascade_mask_rcnn_3x.py',
]
model = dict(
    backbone=dict(_base_.backbone, arch='tiny', drop_path_rate=0.4, init_cfg=dict(
        type='Pretrained', checkpoint=f'{_base_.ckpt_dir}/inceptionnext_tiny.pth')))
