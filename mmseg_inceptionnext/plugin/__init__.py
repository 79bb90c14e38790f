"""The plugin proper, what a config's ``custom_imports`` loads: the InceptionNeXt, ConvNeSt
and (baseline) TimmConvNeXt backbones in MMSegmentation's and MMDetection's model registries,
the layer-decay optimizer constructor, the norm layer, and the ``mmseg_inceptionnext::``
config prefix (:mod:`.config_names`)."""
from . import config_names
from .backbones import ConvNeSt, InceptionNeXt, OpenMMLabBackboneMixin, norm_factory
from .optim import StagedLRDecayOptimizerConstructor
from .registry import register_backbone, register_hook, register_norm_layers, register_transform
from .timm_convnext import TimmConvNeXt

__all__ = [
    'ConvNeSt', 'InceptionNeXt', 'OpenMMLabBackboneMixin', 'StagedLRDecayOptimizerConstructor',
    'TimmConvNeXt', 'config_names', 'norm_factory', 'register_backbone', 'register_hook',
    'register_norm_layers', 'register_transform'
]

config_names.install()
