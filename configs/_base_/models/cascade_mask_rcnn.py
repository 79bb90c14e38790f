# Cascade Mask R-CNN + FPN (model only): mmdet's base without its backbone, with ConvNeXt's
# 4conv1fc GIoU box heads; `dims` are the widths of InceptionNeXt-T/S and ConvNeXt-T.
# It also registers this package, its reliability hooks and runner.
_base_ = 'mmdet::_base_/models/cascade-mask-rcnn_r50_fpn.py'
custom_imports = dict(imports=['mmseg_inceptionnext'], allow_failed_imports=False)
custom_hooks = [dict(type='BadSampleHook'), dict(type='NonFiniteCheckHook'),
                dict(type='SafeCheckpointHook')]
runner_type = 'DatasetCheckingRunner'  # datasets checked before the model is built
norm_cfg = dict(type='SyncBN', requires_grad=True)


def _box_head(target_stds):  # a config-time helper; mmengine drops it from the config
    return dict(
        type='ConvFCBBoxHead',
        num_shared_convs=4,
        num_shared_fcs=1,
        in_channels=256,
        conv_out_channels=256,
        fc_out_channels=1024,
        roi_feat_size=7,
        num_classes=80,
        bbox_coder=dict(type='DeltaXYWHBBoxCoder', target_means=[0., 0., 0., 0.],
                        target_stds=target_stds),
        reg_class_agnostic=False,
        reg_decoded_bbox=True,
        norm_cfg=norm_cfg,
        loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
        loss_bbox=dict(type='GIoULoss', loss_weight=10.0))


dims = [96, 192, 384, 768]
model = dict(
    backbone=dict(
        _delete_=True,  # ResNet's keys (depth, style, frozen_stages, ...) do not apply
        out_indices=(0, 1, 2, 3)),
    neck=dict(in_channels=dims),
    roi_head=dict(bbox_head=[
        _box_head([0.1, 0.1, 0.2, 0.2]),
        _box_head([0.05, 0.05, 0.1, 0.1]),
        _box_head([0.033, 0.033, 0.067, 0.067]),
    ]))
