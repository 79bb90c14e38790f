# Cascade Mask R-CNN with FPN (the model only): MMDetection's own Cascade Mask R-CNN base
# with its ResNet backbone removed and, as in ConvNeXt's COCO recipe, each of the three
# stages' box heads a "4conv1fc" head (4 shared 3x3 convs with SyncBN, one 1024-d fc)
# regressing decoded boxes with a GIoU loss; mmengine reverts SyncBN to BN when not
# distributed. The backbone returns all four stages; its type and settings come from a
# backbone base (_base_/backbones/) and the leaf config. The neck's in_channels are `dims`,
# the widths of InceptionNeXt-T and -S and of ConvNeXt-T, in place of the ResNet-50 widths of
# MMDetection's base; a leaf with another backbone sets both `dims` and model.neck.in_channels.
# Besides the model it switches this package on: its registration (custom_imports) and its
# reliability hooks (README "Reliability": BadSampleHook reports the samples the dataset base's
# BadSampleGuard skips, NonFiniteCheckHook stops a diverging run, SafeCheckpointHook writes
# checkpoints that load tensors-only on every torch), whatever dataset and recipe
# a config takes with it.
_base_ = 'mmdet::_base_/models/cascade-mask-rcnn_r50_fpn.py'
custom_imports = dict(imports=['mmseg_inceptionnext'], allow_failed_imports=False)
custom_hooks = [dict(type='BadSampleHook'), dict(type='NonFiniteCheckHook'),
                dict(type='SafeCheckpointHook')]
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
