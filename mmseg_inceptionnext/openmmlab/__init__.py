"""OpenMMLab glue: backbones registered in MMSegmentation and MMDetection (InceptionNeXt,
ConvNeSt, and timm's ConvNeXt as the baseline).

Importing it changes the process in three ways, all listed in the README ("What importing
the plugin changes"): the registrations below, the ``mmseg_inceptionnext::`` config prefix
(:mod:`.config_lookup`) and the weights-only allow-list for mmengine checkpoints
(:mod:`.safe_load`).
"""
from . import config_lookup, safe_load
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
safe_load.allow_mmengine_checkpoints()
