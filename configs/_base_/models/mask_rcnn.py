# Mask R-CNN with FPN (the model only): MMDetection's own Mask R-CNN base with its ResNet
# backbone removed. The backbone returns all four stages; its type and settings come from a
# backbone base (_base_/backbones/) and the leaf config, and the leaf also sets the neck's
# in_channels (the backbone's widths).
_base_ = 'mmdet::_base_/models/mask-rcnn_r50_fpn.py'
custom_imports = dict(imports=['mmseg_inceptionnext'], allow_failed_imports=False)
model = dict(
    backbone=dict(
        _delete_=True,  # ResNet's keys (depth, style, frozen_stages, ...) do not apply
        out_indices=(0, 1, 2, 3)))
