# Mask R-CNN with FPN and an InceptionNeXt-T backbone (the model only; leaf configs add data
# and schedule, and swap in other InceptionNeXt sizes or ConvNeSt). The detector is mmdet's own
# Mask R-CNN base with the ResNet backbone replaced. The backbone uses SyncBN, with a SyncBN on
# each returned stage, as the InceptionNeXt authors advise for dense prediction; mmengine
# reverts SyncBN to BN when not distributed.
_base_ = 'mmdet::_base_/models/mask-rcnn_r50_fpn.py'
custom_imports = dict(imports=['mmseg_inceptionnext'], allow_failed_imports=False)
norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    backbone=dict(
        _delete_=True,  # ResNet's keys (depth, style, frozen_stages, ...) do not apply
        type='InceptionNeXt',
        arch='tiny',
        out_indices=(0, 1, 2, 3),
        drop_path_rate=0.4,
        norm_cfg=norm_cfg,
        out_norm_cfg=norm_cfg),
    neck=dict(in_channels=[96, 192, 384, 768]))
