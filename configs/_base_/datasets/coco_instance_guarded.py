# COCO instance segmentation as mmdet's base, the training pipeline in BadSampleGuard (1x).
_base_ = 'mmdet::_base_/datasets/coco_instance.py'
train_dataloader = dict(
    dataset=dict(pipeline=[dict(type='BadSampleGuard', transforms={{_base_.train_pipeline}})]))
