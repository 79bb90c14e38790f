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
                   DEFAULT_DOWNLOAD_TIMEOUT,
                   CheckpointDownloadError,
                   CheckpointError,
                   check_state_dict,
                   extract_state_dict,
                   load_backbone_weights,
                   read_checkpoint,
                   to_backbone_state_dict,
)
from .complexity import count_macs, count_params
from .convnest import (
                   CONVNEST_ARCHS,
                   ConvNeStBlock,
                   ConvNeStClassifier,
                   ConvNeStNet,
                   resolve_convnest_arch,
)
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
    'BACKBONE_NETS', 'NUM_STAGES', 'PadConv2d', 'Stage', 'StagedBackbone', 'drop_path_rates',
    'resolve_out_indices', 'trunc_normal_init', 'CheckpointError', 'CheckpointDownloadError',
    'DEFAULT_DOWNLOAD_TIMEOUT', 'check_state_dict',
    'extract_state_dict', 'load_backbone_weights', 'read_checkpoint', 'to_backbone_state_dict',
    'compile_for_inference', 'count_macs', 'count_params', 'fuse_for_inference',
    'to_channels_last', 'CONVNEST_ARCHS',
    'ConvNeStBlock', 'ConvNeStClassifier',
    'ConvNeStNet', 'resolve_convnest_arch', 'INCEPTIONNEXT_ARCHS', 'InceptionDWConv2d',
    'InceptionNeXtNet', 'MetaNeXtBlock', 'resolve_inceptionnext_arch'
]
