"""Parameters and multiply-accumulates of a whole segmentor or detector built from a config,
counted as the papers count them (convolutions and matrix products; see
:mod:`mmseg_inceptionnext.models.complexity`). The model runs on PyTorch's ``meta`` device,
so even UperNet-B at 512x2048 is counted in seconds without memory.
"""
from __future__ import annotations

from typing import Dict, Tuple

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from ..models.complexity import count_macs, count_params


def model_complexity(config: str, shape: Tuple[int, int]) -> Dict[str, float]:
    """Count a config's model at input ``shape`` (H, W), batch 1.

    Args:
        config: Config file.
        shape: Input height and width.

    Returns:
        ``params`` (whole model), ``backbone_params`` and ``macs`` of the forward pass
        that produces the prediction (``_forward``: backbone, neck and heads, without
        post-processing).
    """
    from mmengine.model import revert_sync_batchnorm
    cfg = Config.fromfile(config)
    init_default_scope(cfg.default_scope)
    registry = __import__(f'{cfg.default_scope}.registry', fromlist=['MODELS']).MODELS
    model_cfg = cfg.model.copy()
    model_cfg.backbone = dict(model_cfg.backbone, init_cfg=None)
    if 'data_preprocessor' in model_cfg:
        model_cfg.data_preprocessor = dict(model_cfg.data_preprocessor, size=None)
    model = revert_sync_batchnorm(registry.build(model_cfg)).eval()
    params = count_params(model)
    backbone = count_params(model.backbone)
    with torch.device('meta'):
        model = model.to_empty(device='meta')
        macs = count_macs(_PredictForward(model), torch.empty(1, 3, *shape))
    return dict(params=params, backbone_params=backbone, macs=macs)


class _PredictForward(torch.nn.Module):
    """``model._forward`` (tensor in, raw head outputs out) as a plain module call."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        if self.model.__class__.__name__ == 'EncoderDecoder':
            # the auxiliary head is training-only: count backbone, neck and decode head
            return self.model.decode_head(self.model.extract_feat(x))
        return self.model._forward(x)
