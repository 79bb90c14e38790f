# The InceptionNeXt backbone of every InceptionNeXt config, and where its ImageNet weights are.
# Norms: SyncBN inside the backbone and a SyncBN on each returned stage, as the InceptionNeXt
# authors advise for dense prediction (mmengine reverts SyncBN to BN when not distributed).
# A leaf takes it as `backbone=dict(_base_.backbone, arch=..., drop_path_rate=..., init_cfg=...)`
# with `checkpoint=f'{_base_.ckpt_dir}/inceptionnext_<arch>.pth'`.
#
# Pretrained weights: the official release files. To use local copies, set the environment
# variable INCEPTIONNEXT_CKPT_DIR to the directory holding inceptionnext_*.pth (all configs),
# or pass --cfg-options model.backbone.init_cfg.checkpoint=/path/to/file.pth (one run).
ckpt_dir = '{{$INCEPTIONNEXT_CKPT_DIR:https://github.com/sail-sg/inceptionnext/releases/download/model}}'  # noqa
backbone = dict(
    type='InceptionNeXt',
    norm_cfg=dict(type='SyncBN', requires_grad=True),
    out_norm_cfg=dict(type='SyncBN', requires_grad=True))
