"""Pure-PyTorch model code (torch + timm.layers only): importable without OpenMMLab."""
from .base import (
                   NUM_STAGES,
                   PadConv2d,
                   Stage,
                   StagedBackbone,
                   drop_path_rates,
                   resolve_out_indices,
                   trunc_normal_init,
)
from .checkpoint import (
                   check_state_dict,
                   extract_state_dict,
                   load_backbone_weights,
                   read_checkpoint,
                   to_backbone_state_dict,
)
from .complexity import count_macs, count_params
from .contract import Backbone, require_backbone
from .convnest import (
                   CONVNEST_ARCHS,
                   ConvNeStBlock,
                   ConvNeStClassifier,
                   ConvNeStNet,
                   resolve_convnest_arch,
)
from .download import DEFAULT_DOWNLOAD_TIMEOUT, CheckpointDownloadError, CheckpointError
from .fuse import compile_for_inference, fuse_for_inference, to_channels_last
from .inceptionnext import (
                   INCEPTIONNEXT_ARCHS,
                   InceptionDWConv2d,
                   InceptionNeXtNet,
                   MetaNeXtBlock,
                   resolve_inceptionnext_arch,
)

#: Pure networks by family name, for tools that take ``--family``.
BACKBONE_NETS = {'inceptionnext': InceptionNeXtNet, 'convnest': ConvNeStNet}

__all__ = [
    'BACKBONE_NETS', 'Backbone', 'require_backbone', 'NUM_STAGES', 'PadConv2d', 'Stage',
    'StagedBackbone', 'drop_path_rates',
    'resolve_out_indices', 'trunc_normal_init', 'CheckpointError', 'CheckpointDownloadError',
    'DEFAULT_DOWNLOAD_TIMEOUT', 'check_state_dict',
    'extract_state_dict', 'load_backbone_weights', 'read_checkpoint', 'to_backbone_state_dict',
    'compile_for_inference', 'count_macs', 'count_params', 'fuse_for_inference',
    'to_channels_last', 'CONVNEST_ARCHS',
    'ConvNeStBlock', 'ConvNeStClassifier',
    'ConvNeStNet', 'resolve_convnest_arch', 'INCEPTIONNEXT_ARCHS', 'InceptionDWConv2d',
    'InceptionNeXtNet', 'MetaNeXtBlock', 'resolve_inceptionnext_arch'
]
