# Mask R-CNN with FPN (the model only): MMDetection's own Mask R-CNN base with its ResNet
# backbone removed. The backbone returns all four stages; its type and settings come from a
# backbone base (_base_/backbones/) and the leaf config. The neck's in_channels are `dims`,
# the widths of InceptionNeXt-T and -S and of ConvNeXt-T, in place of the ResNet-50 widths of
# MMDetection's base; a leaf with another backbone sets both `dims` and model.neck.in_channels.
# Besides the model it switches this package on: its registration (custom_imports) and its
# reliability hooks (README "Reliability": BadSampleHook reports the samples the dataset base's
# BadSampleGuard skips, NonFiniteCheckHook stops a diverging run, SafeCheckpointHook writes
# checkpoints that load tensors-only on every torch), whatever dataset and recipe
# a config takes with it.
_base_ = 'mmdet::_base_/models/mask-rcnn_r50_fpn.py'
custom_imports = dict(imports=['mmseg_inceptionnext'], allow_failed_imports=False)
custom_hooks = [dict(type='BadSampleHook'), dict(type='NonFiniteCheckHook'),
                dict(type='SafeCheckpointHook')]
dims = [96, 192, 384, 768]
model = dict(
    backbone=dict(
        _delete_=True,  # ResNet's keys (depth, style, frozen_stages, ...) do not apply
        out_indices=(0, 1, 2, 3)),
    neck=dict(in_channels=dims))
