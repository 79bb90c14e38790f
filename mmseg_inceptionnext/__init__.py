"""InceptionNeXt and ConvNeSt backbones for MMSegmentation 1.x and MMDetection 3.x.

``import mmseg_inceptionnext`` registers the backbones (and the rest of the OpenMMLab glue,
:mod:`mmseg_inceptionnext.openmmlab`) in MMSegmentation and MMDetection: at once if OpenMMLab
is already imported, as in a config's ``custom_imports``; otherwise when it is first imported
(:mod:`mmseg_inceptionnext.registration`). So ``import mmseg_inceptionnext.models``, the pure
model code, loads torch and timm and nothing of OpenMMLab.
"""
import importlib

from . import registration
from .version import __version__

registration.register_now_or_later()

__all__ = ['__version__']


def __getattr__(name):
    # ``mmseg_inceptionnext.openmmlab`` before OpenMMLab is loaded: import the glue now
    if name == 'openmmlab':
        return importlib.import_module(registration.GLUE)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
