"""OpenMMLab glue: backbones registered in MMSegmentation and MMDetection (InceptionNeXt,
ConvNeSt, and timm's ConvNeXt as the baseline), hooks, the bad-sample guard transform and
the atomic checkpoint backend.

``import mmseg_inceptionnext`` imports this module at once if OpenMMLab is loaded, else once
it is (:mod:`mmseg_inceptionnext.registration`). Importing it changes the process in the ways
the README lists ("What importing the plugin changes"): the registrations below, the
``mmseg_inceptionnext::`` config prefix (:mod:`.config_lookup`) and the weights-only
allow-list for mmengine checkpoints (:mod:`.safe_load`).
"""
from . import checkpoint_io, config_lookup, safe_load
from .backbones import ConvNeSt, InceptionNeXt, OpenMMLabBackboneMixin, norm_factory
from .bad_sample_hook import BadSampleHook
from .bad_samples import BadSampleGuard
from .hooks import MemoryMonitorHook, SafeCheckpointHook
from .nonfinite import NonFiniteCheckHook
from .optim import StagedLRDecayOptimizerConstructor
from .registry import model_registries, register_backbone, register_hook, register_norm_layers
from .timm_convnext import TimmConvNeXt

__all__ = [
    'BadSampleGuard', 'BadSampleHook', 'NonFiniteCheckHook', 'checkpoint_io', 'ConvNeSt',
    'InceptionNeXt', 'OpenMMLabBackboneMixin', 'norm_factory', 'model_registries',
    'register_backbone', 'register_hook', 'register_norm_layers', 'SafeCheckpointHook',
    'MemoryMonitorHook', 'StagedLRDecayOptimizerConstructor', 'TimmConvNeXt'
]

config_lookup.install()
safe_load.allow_mmengine_checkpoints()
safe_load.use_weights_only_loading()
