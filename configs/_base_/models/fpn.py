# Semantic FPN (model only) as in PVT's / PoolFormer's ADE20K recipe; the leaf sets the backbone
# and the neck's in_channels. It also registers this package, its reliability hooks and runner.
custom_imports = dict(imports=['mmseg_inceptionnext'], allow_failed_imports=False)
custom_hooks = [dict(type='BadSampleHook'), dict(type='NonFiniteCheckHook'),
                dict(type='SafeCheckpointHook')]
runner_type = 'DatasetCheckingRunner'  # datasets checked before the model is built
norm_cfg = dict(type='SyncBN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(out_indices=(0, 1, 2, 3)),
    neck=dict(
        type='FPN', out_channels=256, num_outs=4),
    decode_head=dict(
        type='FPNHead',
        in_channels=[256, 256, 256, 256],
        in_index=[0, 1, 2, 3],
        feature_strides=[4, 8, 16, 32],
        channels=128,
        dropout_ratio=0.1,
        num_classes=150,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
