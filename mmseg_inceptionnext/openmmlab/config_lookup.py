"""Let configs anywhere on disk inherit this package's configs by name:

    _base_ = 'mmseg_inceptionnext::upernet_inceptionnext_t_ade20k.py'

mmengine's own ``pkg::`` lookup only accepts OpenMMLab's packages (a fixed table),
requires a ``dir/`` in the name and cannot find configs of editable installs, so
this package resolves its own prefix: ``import mmseg_inceptionnext`` (which this
project's ``tools/train.py`` and ``tools/test.py`` do before reading a config)
teaches ``mmengine.config.Config`` the ``mmseg_inceptionnext::`` prefix. Every other
path is left to mmengine. The configs ship inside the package
(``mmseg_inceptionnext/configs``, the repository's ``configs/``).
"""
from __future__ import annotations

import os.path as osp
from typing import Optional, Tuple

from mmengine.config import Config

PREFIX = 'mmseg_inceptionnext::'
CONFIG_ROOT = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'configs')


def config_path(name: str) -> str:
    """Absolute path of a config of this package.

    Args:
        name: Path relative to ``configs/``, with or without the
            ``mmseg_inceptionnext::`` prefix, e.g. ``'upernet_inceptionnext_t_ade20k.py'``.

    Returns:
        The path.

    Raises:
        FileNotFoundError: Naming the configs that exist.
    """
    rel = name[len(PREFIX):] if name.startswith(PREFIX) else name
    path = osp.normpath(osp.join(CONFIG_ROOT, rel))
    if not path.startswith(CONFIG_ROOT + osp.sep) or not osp.isfile(path):
        import glob
        known = sorted(osp.relpath(p, CONFIG_ROOT)
                       for p in glob.glob(osp.join(CONFIG_ROOT, '**', '*.py'), recursive=True))
        raise FileNotFoundError(f'{name!r} is not a config of mmseg_inceptionnext; its configs '
                                f'are: {known}')
    return path


def install() -> None:
    """Teach ``Config`` the ``mmseg_inceptionnext::`` prefix (idempotent)."""
    original = Config._get_cfg_path
    if getattr(original, '_mmseg_inceptionnext', False):
        return

    def _get_cfg_path(cfg_path: str, filename: str) -> Tuple[str, Optional[str]]:
        if cfg_path.startswith(PREFIX):
            # scope None: the bases keep the scopes they set themselves (mmseg::, mmdet::)
            return config_path(cfg_path), None
        return original(cfg_path, filename)

    _get_cfg_path._mmseg_inceptionnext = True
    Config._get_cfg_path = staticmethod(_get_cfg_path)
