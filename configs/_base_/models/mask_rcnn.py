# Mask R-CNN + FPN (model only): mmdet's base without its backbone; `dims` are the widths of
# InceptionNeXt-T/S and ConvNeXt-T. It also registers this package, its reliability hooks
# and runner.
_base_ = 'mmdet::_base_/models/mask-rcnn_r50_fpn.py'
custom_imports = dict(imports=['mmseg_inceptionnext'], allow_failed_imports=False)
custom_hooks = [dict(type='BadSampleHook'), dict(type='NonFiniteCheckHook'),
                dict(type='SafeCheckpointHook')]
runner_type = 'DatasetCheckingRunner'  # datasets checked before the model is built
dims = [96, 192, 384, 768]
model = dict(
    backbone=dict(
        _delete_=True,  # ResNet's keys (depth, style, frozen_stages, ...) do not apply
        out_indices=(0, 1, 2, 3)),
    neck=dict(in_channels=dims))
