"""OpenMMLab glue: backbones registered in MMSegmentation and MMDetection."""
from .backbones import ConvNeSt, InceptionNeXt, OpenMMLabBackboneMixin, norm_factory
from .registry import model_registries, register_backbone, register_norm_layers

__all__ = [
    'ConvNeSt', 'InceptionNeXt', 'OpenMMLabBackboneMixin', 'norm_factory', 'model_registries',
    'register_backbone', 'register_norm_layers'
]
