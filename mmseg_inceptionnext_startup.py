"""Start-up hook of mmseg_inceptionnext: ``_base_ = 'mmseg_inceptionnext::NAME'`` in any config.

Stock OpenMMLab tools (MMSegmentation's and MMDetection's ``tools/train.py`` and
``tools/test.py``, the inferencers) read a config with ``mmengine.config.Config`` *before*
its ``custom_imports`` run, and mmengine's own ``pkg::`` lookup knows only OpenMMLab's
packages. So a config that inherits ours by name has to be understood before anything of
the config runs.

``mmseg_inceptionnext_startup.pth``, installed beside this module in ``site-packages``, makes
Python import this module when it starts. The module imports nothing but ``os`` and ``sys``:
it puts a finder on ``sys.meta_path`` that does nothing until ``mmengine.config.config`` is
imported, then teaches ``Config`` the ``mmseg_inceptionnext::`` prefix (in ``_base_`` and as
the file ``Config.fromfile`` reads) and takes itself off the path. Names with any other
prefix go to mmengine unchanged. The first name with the prefix imports
``mmseg_inceptionnext``, which registers the backbones and the safe-loading allow-list as
``custom_imports`` would.

Turn it off with ``MMSEG_INCEPTIONNEXT_STARTUP=0`` in the environment; inheritance by name
then works only after ``import mmseg_inceptionnext``.
"""
import os
import sys

PREFIX = 'mmseg_inceptionnext::'
ENV_SWITCH = 'MMSEG_INCEPTIONNEXT_STARTUP'
_TARGET = 'mmengine.config.config'


def patch_config(config_cls) -> None:
    """Teach mmengine's ``Config`` class the ``mmseg_inceptionnext::`` prefix (idempotent):
    in ``_base_`` entries (``Config._get_cfg_path``) and as the file given to
    ``Config.fromfile``, so stock tools and ``init_model`` also take a config by name."""
    original = config_cls._get_cfg_path
    if getattr(original, '_mmseg_inceptionnext', False):
        return
    original_fromfile = config_cls.fromfile

    def _get_cfg_path(cfg_path, filename):
        if cfg_path.startswith(PREFIX):
            from mmseg_inceptionnext.openmmlab.config_lookup import config_path

            # scope None: the bases keep the scopes they set themselves (mmseg::, mmdet::)
            return config_path(cfg_path), None
        return original(cfg_path, filename)

    def fromfile(filename, *args, **kwargs):
        if isinstance(filename, str) and filename.startswith(PREFIX):
            from mmseg_inceptionnext.openmmlab.config_lookup import config_path
            filename = config_path(filename)
        return original_fromfile(filename, *args, **kwargs)

    _get_cfg_path._mmseg_inceptionnext = True
    config_cls._get_cfg_path = staticmethod(_get_cfg_path)
    config_cls.fromfile = staticmethod(fromfile)


class _ConfigFinder:
    """Waits for ``mmengine.config.config``; once it is executed, patches its ``Config``."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != _TARGET:
            return None
        uninstall()
        for finder in sys.meta_path:
            find_spec = getattr(finder, 'find_spec', None)
            spec = find_spec(fullname, path, target) if find_spec else None
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        exec_module = getattr(loader, 'exec_module', None)
        if exec_module is None:
            return spec

        def exec_and_patch(module):
            exec_module(module)
            patch_config(module.Config)

        loader.exec_module = exec_and_patch
        return spec


_FINDER = _ConfigFinder()


def install() -> bool:
    """Put the finder on ``sys.meta_path`` unless it is switched off or mmengine's config
    module is imported already (then ``Config`` is patched at once).

    Returns:
        Whether the hook is active.
    """
    if os.environ.get(ENV_SWITCH, '1').strip().lower() in ('0', 'false', 'no', 'off'):
        return False
    module = sys.modules.get(_TARGET)
    if module is not None and hasattr(module, 'Config'):
        patch_config(module.Config)
    elif _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)
    return True


def uninstall() -> None:
    """Take the finder off ``sys.meta_path`` (``Config`` keeps a patch already made)."""
    while _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
