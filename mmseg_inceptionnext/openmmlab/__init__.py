"""OpenMMLab glue: backbones registered in MMSegmentation and MMDetection (InceptionNeXt,
ConvNeSt, and timm's ConvNeXt as the baseline)."""
from . import config_lookup
from .backbones import ConvNeSt, InceptionNeXt, OpenMMLabBackboneMixin, norm_factory
from .hooks import MemoryMonitorHook, SafeCheckpointHook
from .optim import StagedLRDecayOptimizerConstructor
from .registry import model_registries, register_backbone, register_hook, register_norm_layers
from .timm_convnext import TimmConvNeXt

__all__ = [
    'ConvNeSt', 'InceptionNeXt', 'OpenMMLabBackboneMixin', 'norm_factory', 'model_registries',
    'register_backbone', 'register_hook', 'register_norm_layers', 'SafeCheckpointHook',
    'MemoryMonitorHook', 'StagedLRDecayOptimizerConstructor', 'TimmConvNeXt'
]

config_lookup.install()
