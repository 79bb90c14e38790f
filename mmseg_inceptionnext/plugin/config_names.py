"""Configs of this package by name: ``mmseg_inceptionnext::NAME``.

Any config anywhere on disk can inherit ours without knowing where the package lives::

    _base_ = 'mmseg_inceptionnext::upernet_inceptionnext_t_ade20k.py'

The lookup itself lives in the stand-alone start-up module (:mod:`mmseg_inceptionnext_startup`),
which stock tools need before any of this package is imported; :func:`install` makes the same
patch of ``mmengine.config.Config`` when the package is imported. The configs ship inside the
package (``mmseg_inceptionnext/configs``, the repository's ``configs/``).
"""
from __future__ import annotations

import os.path as osp

from mmengine.config import Config

from mmseg_inceptionnext_startup import PREFIX, config_names, config_path, patch_config

__all__ = ['PREFIX', 'config_names', 'config_path', 'install', 'resolve_config']


def resolve_config(config: str) -> str:
    """A config argument of the command line: ``mmseg_inceptionnext::NAME`` or a file path.

    Raises:
        FileNotFoundError: If the file does not exist (naming the prefix for ours).
    """
    if config.startswith(PREFIX):
        return config_path(config)
    if not osp.isfile(config):
        raise FileNotFoundError(
            f'Config file {config!r} does not exist. Give a path, or one of this package\'s '
            f'configs by name, e.g. {PREFIX}upernet_inceptionnext_t_ade20k.py (list them with '
            f'`python -m mmseg_inceptionnext configs`).')
    return config


def install() -> None:
    """Teach ``Config`` the ``mmseg_inceptionnext::`` prefix (idempotent)."""
    patch_config(Config)
