# Demo: UperNet + InceptionNeXt-A trained from scratch on a CPU, on the synthetic ADE20K-layout
# data of `python tools/make_synthetic_data.py ade20k`. Recipe: the bases of the paper config
# ../upernet_inceptionnext_t_ade20k.py, scaled down. Drop path 0.0 (a short run).
_base_ = [
    '../_base_/models/upernet.py',
    '../_base_/backbones/inceptionnext.py',
    '../_base_/datasets/ade20k_guarded.py',
    '../_base_/recipes/swin_upernet_160k.py',
]

data_root = 'data/synthetic_ade/ADEChallengeData2016'
metainfo = dict(
    classes=('background', 'disk', 'square', 'triangle', 'star', 'ring', 'cross'),
    palette=[[120, 120, 120], [215, 40, 35], [35, 75, 215], [235, 200, 30], [35, 165, 55],
             [205, 45, 195], [30, 195, 205]])
num_classes = 7
crop_size = (128, 128)
dims = [40, 80, 160, 320]
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(_base_.backbone, arch='atto', drop_path_rate=0.0, init_cfg=None),
    decode_head=dict(in_channels=dims, channels=128, num_classes=num_classes),
    auxiliary_head=dict(in_channels=dims[2], channels=64, num_classes=num_classes))

# Colour identifies the classes here, so no photometric distortion.
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(type='RandomResize', scale=crop_size, ratio_range=(0.75, 1.5), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.9),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=crop_size, keep_ratio=True),
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(type='PackSegInputs'),
]
dataset = dict(
    type='BaseSegDataset',
    data_root=data_root,
    metainfo=metainfo,
    img_suffix='.jpg',
    seg_map_suffix='.png',
    reduce_zero_label=True)
# this pipeline replaces the base's guarded one, so it is guarded here again
train_dataloader = dict(
    batch_size=8,
    num_workers=1,
    dataset=dict(dataset,
                 pipeline=[dict(type='BadSampleGuard', transforms=train_pipeline,
                                num_classes=num_classes)],
                 data_prefix=dict(img_path='images/training', seg_map_path='annotations/training')))
val_dataloader = dict(
    batch_size=8,
    num_workers=1,
    dataset=dict(dataset, pipeline=test_pipeline,
                 data_prefix=dict(img_path='images/validation',
                                  seg_map_path='annotations/validation')))
test_dataloader = val_dataloader

max_iters = 400
optim_wrapper = dict(optimizer=dict(lr=2e-3))  # from scratch, not fine-tuning
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=40),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=40, end=max_iters),
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=max_iters // 2, max_keep_ckpts=2),
    visualization=dict(draw=False))
env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0)
