"""Registration of this package's modules into MMSegmentation's and MMDetection's registries.

Whichever of the two toolboxes is installed gets every backbone; with neither, the
modules go into mmengine's root registry, which both would search.
"""
from __future__ import annotations

import importlib
import warnings
from importlib.util import find_spec
from typing import Callable, List, Type, TypeVar

from mmengine.registry import Registry

T = TypeVar('T', bound=type)
_TOOLBOXES = ('mmseg', 'mmdet')
_BROKEN = set()  # toolboxes already warned about


def registries(kind: str = 'MODELS') -> List[Registry]:
    """The ``kind`` registries (``'MODELS'``, ``'HOOKS'``, ...) of the installed toolboxes."""
    found = []
    for name in _TOOLBOXES:
        if find_spec(name) is None:
            continue
        try:
            found.append(getattr(importlib.import_module(f'{name}.registry'), kind))
        except Exception as exc:  # noqa: BLE001  (a broken toolbox must not cost the other)
            if name not in _BROKEN:
                _BROKEN.add(name)
                warnings.warn(f'{name} is installed but cannot be imported ({type(exc).__name__}: '
                              f'{exc}); mmseg_inceptionnext registers its modules without it. '
                              f'`import {name}` shows the whole error.', RuntimeWarning,
                              stacklevel=2)
    if not found:
        found.append(getattr(importlib.import_module('mmengine.registry'), kind))
    return found


def register_backbone(cls: Type[T]) -> Type[T]:
    """Class decorator: register ``cls`` under its own name in every model registry.

    Raises:
        KeyError: If the name is taken in one of them (mmengine refuses clashes).
    """
    for registry in registries('MODELS'):
        registry.register_module(module=cls)
    return cls


def register(kind: str) -> Callable[[T], T]:
    """Class decorator: register a class under its own name in every toolbox's ``kind``
    registry (``'HOOKS'``, ``'TRANSFORMS'``, ...)."""
    def decorate(cls: T) -> T:
        for registry in registries(kind):
            registry.register_module(module=cls)
        return cls
    return decorate


#: A hook into every toolbox's ``HOOKS``.
register_hook = register('HOOKS')
#: A data transform into every toolbox's ``TRANSFORMS``.
register_transform = register('TRANSFORMS')


def register_runner(cls: Type[T]) -> Type[T]:
    """Class decorator: register a runner (a config names it as ``runner_type``) in mmengine's
    root ``RUNNERS``. The tools build the runner before any default scope is set, so they look
    it up in the root registry, which the toolboxes' ``RUNNERS`` also search (their parent)."""
    from mmengine.registry import RUNNERS
    RUNNERS.register_module(module=cls)
    return cls


def register_norm_layers() -> None:
    """Register the norms this package's configs name into mmengine's root registry,
    which mmcv's ``build_norm_layer`` searches whatever the toolbox.

    ``ChannelsFirstLN``: LayerNorm over the channels of NCHW maps (timm's
    ``LayerNorm2d``), ConvNeSt's norm.
    """
    from mmengine.registry import MODELS
    from timm.layers import LayerNorm2d
    if MODELS.get('ChannelsFirstLN') is None:
        MODELS.register_module('ChannelsFirstLN', module=LayerNorm2d)
