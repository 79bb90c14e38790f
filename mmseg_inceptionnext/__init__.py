"""InceptionNeXt and ConvNeSt backbones for MMSegmentation 1.x and MMDetection 3.x.

Where mmengine and mmcv are installed, ``import mmseg_inceptionnext`` registers everything at
once (docs/plugin.md lists each change): :mod:`.plugin` (the backbones, the layer-decay
optimizer constructor, the ``mmseg_inceptionnext::`` config prefix) and :mod:`.safety` (the
run-safety hooks and transform, weights-only checkpoint loading). Where they are not, it
imports nothing and :mod:`.models` is the pure-torch code.
"""
from importlib.util import find_spec

from mmseg_inceptionnext_startup import config_path

from .version import __version__

if find_spec('mmengine') is not None and find_spec('mmcv') is not None:
    from . import plugin, safety  # noqa: F401  (registers in OpenMMLab's registries)

__all__ = ['__version__', 'config_path']
