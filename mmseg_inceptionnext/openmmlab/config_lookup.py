"""Configs of this package by name: ``mmseg_inceptionnext::NAME``.

Any config anywhere on disk can inherit ours without knowing where the package lives::

    _base_ = 'mmseg_inceptionnext::upernet_inceptionnext_t_ade20k.py'

mmengine's own ``pkg::`` lookup accepts only OpenMMLab's packages (a fixed table) and
requires a ``dir/`` in the name, so this package resolves its own prefix. Two things teach
``mmengine.config.Config`` the prefix, through one function
(:func:`mmseg_inceptionnext_startup.patch_config`):

- the start-up hook ``mmseg_inceptionnext_startup.pth`` that the wheel installs, so that stock
  tools, which read a config before its ``custom_imports`` run, understand it;
- ``import mmseg_inceptionnext`` (this module's :func:`install`, run when the package
  registers: at once if OpenMMLab is loaded, else once it is; see
  :mod:`mmseg_inceptionnext.registration`), for processes started with the hook switched off
  (``MMSEG_INCEPTIONNEXT_STARTUP=0``).

The configs ship inside the package (``mmseg_inceptionnext/configs``, the repository's
``configs/``).
"""
from __future__ import annotations

import glob
import os.path as osp
from typing import List

from mmengine.config import Config

from mmseg_inceptionnext_startup import PREFIX, patch_config

CONFIG_ROOT = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'configs')


def config_names() -> List[str]:
    """Every config of this package, as paths relative to ``configs/``."""
    return sorted(osp.relpath(p, CONFIG_ROOT)
                  for p in glob.glob(osp.join(CONFIG_ROOT, '**', '*.py'), recursive=True))


def config_path(name: str) -> str:
    """Absolute path of a config of this package.

    Args:
        name: Path relative to ``configs/``, with or without the
            ``mmseg_inceptionnext::`` prefix, e.g. ``'upernet_inceptionnext_t_ade20k.py'``
            or ``'demo/upernet_inceptionnext_a_synthetic.py'``.

    Returns:
        The path.

    Raises:
        FileNotFoundError: Naming the configs that exist.
    """
    rel = name[len(PREFIX):] if name.startswith(PREFIX) else name
    path = osp.normpath(osp.join(CONFIG_ROOT, rel))
    if not path.startswith(CONFIG_ROOT + osp.sep) or not osp.isfile(path):
        raise FileNotFoundError(f'{name!r} is not a config of mmseg_inceptionnext; its configs '
                                f'are: {config_names()}')
    return path


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
