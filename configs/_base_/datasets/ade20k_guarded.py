# ADE20K as mmseg's base, with the training pipeline in BadSampleGuard, validation at batch 1
# and multi-scale + flip test-time augmentation (tools/test.py --tta).
_base_ = 'mmseg::_base_/datasets/ade20k.py'
train_dataloader = dict(
    dataset=dict(pipeline=[
        dict(type='BadSampleGuard', transforms={{_base_.train_pipeline}}, num_classes=150)]))
val_dataloader = dict(batch_size=1)
test_dataloader = val_dataloader

img_ratios = [0.5, 0.75, 1.0, 1.25, 1.5, 1.75]
tta_pipeline = [
    dict(type='LoadImageFromFile', backend_args=None),
    dict(
        type='TestTimeAug',
        transforms=[
            [dict(type='Resize', scale_factor=r, keep_ratio=True) for r in img_ratios],
            [
                dict(type='RandomFlip', prob=0.0, direction='horizontal'),
                dict(type='RandomFlip', prob=1.0, direction='horizontal'),
            ],
            # as in single-scale testing (mmseg's base omits it: mIoU on shifted labels)
            [dict(type='LoadAnnotations', reduce_zero_label=True)],
            [dict(type='PackSegInputs')],
        ]),
]
