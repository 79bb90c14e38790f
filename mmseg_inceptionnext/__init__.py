"""InceptionNeXt and ConvNeSt backbones for MMSegmentation 1.x and MMDetection 3.x.

``import mmseg_inceptionnext`` registers the backbones in MMSegmentation's and
MMDetection's model registries when OpenMMLab is installed. The pure model code,
:mod:`mmseg_inceptionnext.models`, needs only torch and timm.
"""
import importlib.util

from .version import __version__

if importlib.util.find_spec('mmengine') and importlib.util.find_spec('mmcv'):
    from . import openmmlab  # noqa: F401  (registers the backbones)

__all__ = ['__version__']
