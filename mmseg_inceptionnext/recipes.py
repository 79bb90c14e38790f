"""The peak drop-path rate of each backbone in each dense-prediction recipe: the one table
that every config under ``configs/`` must agree with (a test checks each config).

InceptionNeXt T/S/B segmentation rates are the paper's (supplementary Table 10). The
paper gives none for atto, nor for detection; ConvNeSt's paper gives none for dense
prediction at all. Our choices, and why, are in the comments below. The ConvNeXt rows are
for the baseline configs (configs/baselines/), timm's ConvNeXt with our heads and schedules.
Plain data, no imports.
"""

DROP_PATH_RATES = {
    # ---- InceptionNeXt, ADE20K (paper, Table 10) ----
    ('inceptionnext', 'upernet', 'tiny'): 0.2,
    ('inceptionnext', 'upernet', 'small'): 0.3,
    ('inceptionnext', 'upernet', 'base'): 0.4,
    ('inceptionnext', 'fpn', 'tiny'): 0.1,
    ('inceptionnext', 'fpn', 'small'): 0.2,
    ('inceptionnext', 'fpn', 'base'): 0.2,
    # Ours: the paper's rates fall by 0.1 per size step (B/S -> T) and by 0.1 from
    # UperNet 160k to Semantic FPN 40k; atto (12 blocks, 4M params) is one step below T.
    ('inceptionnext', 'upernet', 'atto'): 0.1,
    ('inceptionnext', 'fpn', 'atto'): 0.0,
    # ---- ConvNeSt, ADE20K UperNet (the paper gives no rates: our choices) ----
    # T/S/B take ConvNeXt's UperNet rates for the same size class (28M/50M/89M parameters);
    # A/F/P train without drop path on ImageNet and, with 4-9M parameters, underfit rather
    # than overfit: 0.1; N (15M) sits between: 0.2.
    ('convnest', 'upernet', 'atto'): 0.1,
    ('convnest', 'upernet', 'femto'): 0.1,
    ('convnest', 'upernet', 'pico'): 0.1,
    ('convnest', 'upernet', 'nano'): 0.2,
    ('convnest', 'upernet', 'tiny'): 0.4,
    ('convnest', 'upernet', 'small'): 0.3,
    ('convnest', 'upernet', 'base'): 0.4,
    # ---- InceptionNeXt, COCO (ours: the paper has no detection results) ----
    # ConvNeXt's rates for its 3x COCO detectors (Mask R-CNN and Cascade Mask R-CNN alike),
    # taken for the InceptionNeXt size of the same class: T 0.4 (28M parameters, as
    # ConvNeXt-T), S 0.6 (50M, as ConvNeXt-S), B 0.7 (87M, as ConvNeXt-B). Detection
    # fine-tunes for 36 epochs at high resolution and wants more regularisation than
    # ADE20K; the 1x config keeps the 3x rate so that the two differ only in schedule.
    ('inceptionnext', 'mask_rcnn', 'tiny'): 0.4,
    ('inceptionnext', 'mask_rcnn', 'small'): 0.6,
    ('inceptionnext', 'mask_rcnn', 'base'): 0.7,
    ('inceptionnext', 'cascade_mask_rcnn', 'tiny'): 0.4,
    ('inceptionnext', 'cascade_mask_rcnn', 'small'): 0.6,
    ('inceptionnext', 'cascade_mask_rcnn', 'base'): 0.7,
    # ---- ConvNeSt, COCO (ours: the paper uses ConvNeXt's recipe but gives no rate) ----
    # T (27M parameters) is ConvNeXt-T's size class: 0.4. Smaller models overfit less (the
    # paper trains A..N on ImageNet with no drop path at all), so the rate halves per size
    # step below T with a floor of 0.1 (some regularisation for 36 epochs of fine-tuning):
    # N (15M) 0.2, P / F / A 0.1.
    ('convnest', 'mask_rcnn', 'tiny'): 0.4,
    ('convnest', 'mask_rcnn', 'nano'): 0.2,
    ('convnest', 'mask_rcnn', 'pico'): 0.1,
    ('convnest', 'mask_rcnn', 'femto'): 0.1,
    ('convnest', 'mask_rcnn', 'atto'): 0.1,
    ('convnest', 'cascade_mask_rcnn', 'tiny'): 0.4,
    ('convnest', 'cascade_mask_rcnn', 'nano'): 0.2,
    ('convnest', 'cascade_mask_rcnn', 'pico'): 0.1,
    ('convnest', 'cascade_mask_rcnn', 'femto'): 0.1,
    ('convnest', 'cascade_mask_rcnn', 'atto'): 0.1,
    # ---- ConvNeXt, the baseline (configs/baselines/) ----
    # UperNet and 3x Mask R-CNN: ConvNeXt-T's own rates (its semantic_segmentation and
    # object_detection configs). The 1x config keeps the 3x rate, as InceptionNeXt's does.
    ('convnext', 'upernet', 'tiny'): 0.4,
    ('convnext', 'mask_rcnn', 'tiny'): 0.4,
    # Ours: ConvNeXt has no Semantic FPN result. The InceptionNeXt paper halves its UperNet
    # 160k rate for Semantic FPN 40k for T (0.2 -> 0.1) and B (0.4 -> 0.2): a 4x shorter
    # schedule needs less regularisation. Halving ConvNeXt-T's UperNet 0.4 gives 0.2.
    ('convnext', 'fpn', 'tiny'): 0.2,
}

#: ConvNeXt's layer-/stage-wise lr decay, ``paramwise_cfg`` of StagedLRDecayOptimizerConstructor,
#: for each config that trains with it: ``(family, head, arch) -> (decay_type, decay_rate,
#: num_layers)``. The rates are ConvNeXt's for the recipe (MMSegmentation's ConvNeXt UperNet:
#: stage-wise 0.9; MMDetection's ConvNeXt Mask R-CNN 3x: layer-wise 0.95, Cascade Mask R-CNN
#: 3x: layer-wise 0.7), and ``num_layers`` is ConvNeXt's for the size class: 6 for T and smaller
#: (ConvNeXt-T, 9 blocks in stage 2), 12 for S and B (27 blocks). Configs without an entry (the
#: InceptionNeXt paper's UperNet and Semantic FPN recipes, and the baselines on them) use no lr
#: decay. A test checks every config against this table.
LR_DECAY = {
    **{('convnest', 'upernet', arch): ('stage_wise', 0.9, 6)
       for arch in ('atto', 'femto', 'pico', 'nano', 'tiny')},
    ('convnest', 'upernet', 'small'): ('stage_wise', 0.9, 12),
    ('convnest', 'upernet', 'base'): ('stage_wise', 0.9, 12),
    **{(family, head, arch): ('layer_wise', rate, 12 if arch in ('small', 'base') else 6)
       for head, rate in (('mask_rcnn', 0.95), ('cascade_mask_rcnn', 0.7))
       for family, archs in (('inceptionnext', ('tiny', 'small', 'base')),
                             ('convnest', ('atto', 'femto', 'pico', 'nano', 'tiny')))
       for arch in archs},
    ('convnext', 'mask_rcnn', 'tiny'): ('layer_wise', 0.95, 6),
}
