# Demo: Mask R-CNN + FPN + InceptionNeXt-A trained from scratch on a CPU, on the synthetic
# COCO-layout data of `python tools/demo_det.py`. Recipe: the bases of the paper-recipe config
# ../mask_rcnn_inceptionnext_t_fpn_3x_coco.py, scaled down. Drop path 0.0 (a short run).
_base_ = [
    '../_base_/models/mask_rcnn.py',
    '../_base_/backbones/inceptionnext.py',
    '../_base_/datasets/coco_instance_ms_guarded.py',
    '../_base_/recipes/convnext_mask_rcnn_3x.py',
]

data_root = 'data/synthetic_coco/'
metainfo = dict(
    classes=('disk', 'square', 'triangle', 'star', 'ring', 'cross'),
    palette=[(215, 40, 35), (35, 75, 215), (235, 200, 30), (35, 165, 55), (205, 45, 195),
             (30, 195, 205)])
num_classes = 6
image_size = (128, 128)
dims = [40, 80, 160, 320]
channels = 64  # FPN width (256 in the paper config), shared by every head
model = dict(
    backbone=dict(_base_.backbone, arch='atto', drop_path_rate=0.0, init_cfg=None),
    neck=dict(in_channels=dims, out_channels=channels),
    rpn_head=dict(
        in_channels=channels,
        feat_channels=channels,
        # objects are 13..58 px: anchors of 16..256 px over strides 4..64
        anchor_generator=dict(scales=[4])),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=channels),
        bbox_head=dict(in_channels=channels, fc_out_channels=256, num_classes=num_classes),
        mask_roi_extractor=dict(out_channels=channels),
        mask_head=dict(in_channels=channels, conv_out_channels=channels,
                       num_classes=num_classes)),
    train_cfg=dict(
        rpn=dict(sampler=dict(num=64)),
        rpn_proposal=dict(nms_pre=500, max_per_img=100),
        rcnn=dict(sampler=dict(num=64))),
    test_cfg=dict(rpn=dict(nms_pre=500, max_per_img=100), rcnn=dict(max_per_img=20)))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='Resize', scale=image_size, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=image_size, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
dataset = dict(type='CocoDataset', data_root=data_root, metainfo=metainfo)
# this pipeline replaces the base's guarded one, so it is guarded here again
train_dataloader = dict(
    batch_size=4,
    num_workers=1,
    dataset=dict(dataset, ann_file='annotations/instances_train2017.json',
                 data_prefix=dict(img='train2017/'),
                 pipeline=[dict(type='BadSampleGuard', transforms=train_pipeline,
                                num_classes=num_classes)]))
val_dataloader = dict(
    batch_size=4,
    num_workers=1,
    dataset=dict(dataset, ann_file='annotations/instances_val2017.json',
                 data_prefix=dict(img='val2017/'), pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val2017.json')
test_evaluator = val_evaluator

max_iters = 600
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=max_iters,
                 val_interval=max_iters)
optim_wrapper = dict(
    type='OptimWrapper',  # fp32: mixed precision is for GPUs
    optimizer=dict(lr=1e-3),  # from scratch, not fine-tuning
    clip_grad=dict(max_norm=10.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=50),
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=max_iters,
         milestones=[int(max_iters * 0.75), int(max_iters * 0.92)], gamma=0.1),
]
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(by_epoch=False, interval=max_iters, max_keep_ckpts=1),
    visualization=dict(draw=False))
log_processor = dict(by_epoch=False)
env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0)
