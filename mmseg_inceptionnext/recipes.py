"""The peak drop-path rate of each backbone in each dense-prediction recipe: the one table
that every config under ``configs/`` must agree with (a test checks each config).

InceptionNeXt T/S/B segmentation rates are the paper's (supplementary Table 10). The
paper gives none for atto, nor for detection; ConvNeSt's paper gives none for dense
prediction at all. Our choices, and why, are in the comments below.
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
}
