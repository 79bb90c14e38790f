"""Parameters and multiply-accumulates of a whole segmentor or detector built from a config,
counted as the papers count them (convolutions and matrix products; see
:mod:`mmseg_inceptionnext.models.complexity`). Models run on PyTorch's ``meta`` device, so
even UperNet-B at 512x2048 is counted in seconds without memory. For detectors only the
dense part (backbone, FPN, RPN) is counted: their RoI heads run on a data-dependent number
of proposals.
"""
from __future__ import annotations

from typing import Dict, Tuple

import torch
from mmengine.config import Config

from ..models.complexity import count_macs, count_params
from .runner import build_model


def model_complexity(config: str, shape: Tuple[int, int]) -> Dict[str, float]:
    """Count a config's model at input ``shape`` (H, W), batch 1.

    Args:
        config: Config file.
        shape: Input height and width.

    Returns:
        ``params`` (whole model), ``backbone_params`` and ``macs`` of the dense forward
        pass (segmentors: backbone, neck, decode head; detectors: backbone, FPN, RPN).
    """
    cfg = Config.fromfile(config)
    model_cfg = cfg.model.copy()
    if cfg.default_scope == 'mmseg' and 'data_preprocessor' in model_cfg:
        model_cfg.data_preprocessor = dict(model_cfg.data_preprocessor, size=None)
    model = build_model(cfg, model_cfg).eval()
    params = count_params(model)
    backbone = count_params(model.backbone)
    with torch.device('meta'):  # shapes only: counted in seconds at any size
        model = model.to_empty(device='meta')
        macs = count_macs(_DenseForward(model), torch.empty(1, 3, *shape))
    return dict(params=params, backbone_params=backbone, macs=macs)


class _DenseForward(torch.nn.Module):
    """The dense part of a model's inference as a plain module call: segmentors' backbone,
    neck and decode head (the auxiliary head is training-only); detectors' backbone, neck
    and RPN head (RoI heads run on a data-dependent number of proposals: not counted)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        feats = self.model.extract_feat(x)
        if hasattr(self.model, 'decode_head'):
            return self.model.decode_head(feats)
        return self.model.rpn_head(feats)
