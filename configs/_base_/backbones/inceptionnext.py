# The InceptionNeXt backbone: SyncBN inside and on each returned stage, as its authors advise
# for dense prediction. Weights: the official release, or local copies in $INCEPTIONNEXT_CKPT_DIR.
ckpt_dir = '{{$INCEPTIONNEXT_CKPT_DIR:https://github.com/sail-sg/inceptionnext/releases/download/model}}'  # noqa
backbone = dict(
    type='InceptionNeXt',
    norm_cfg=dict(type='SyncBN', requires_grad=True),
    out_norm_cfg=dict(type='SyncBN', requires_grad=True))
