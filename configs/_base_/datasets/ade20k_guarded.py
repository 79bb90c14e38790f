# ADE20K as MMSegmentation's base defines it, plus what every ADE20K config of this package
# adds to it:
# - the training pipeline wrapped in BadSampleGuard (README "Reliability": a bad training
#   sample is skipped and counted instead of ending the run; BadSampleHook in the model bases);
# - validation and test one image at a time;
# - multi-scale (0.5..1.75) + flip test-time augmentation (`tools/test.py --tta`). Unlike
#   mmseg's ADE20K base, labels are loaded with reduce_zero_label=True, as for single-scale
#   testing; without it mIoU is computed on shifted labels.
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
            [dict(type='LoadAnnotations', reduce_zero_label=True)],
            [dict(type='PackSegInputs')],
        ]),
]
