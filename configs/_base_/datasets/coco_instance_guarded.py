# COCO instance segmentation exactly as MMDetection's base defines it (single-scale training at
# 1333x800 with flips), the training pipeline wrapped in BadSampleGuard (README "Reliability":
# a bad training sample is skipped and counted instead of ending the run; BadSampleHook in the
# model bases). The 1x COCO configs of this package use it.
_base_ = 'mmdet::_base_/datasets/coco_instance.py'
train_dataloader = dict(
    dataset=dict(pipeline=[dict(type='BadSampleGuard', transforms={{_base_.train_pipeline}})]))
