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
        return _openmmlab_base(cfg_path) or original(cfg_path, filename)

    def fromfile(filename, *args, **kwargs):
        if isinstance(filename, str) and filename.startswith(PREFIX):
            from mmseg_inceptionnext.openmmlab.config_lookup import config_path
            filename = config_path(filename)
        return original_fromfile(filename, *args, **kwargs)

    _get_cfg_path._mmseg_inceptionnext = True
    _get_cfg_path.__wrapped__ = original  # mmengine's, for the tests' comparison
    config_cls._get_cfg_path = staticmethod(_get_cfg_path)
    config_cls.fromfile = staticmethod(fromfile)


def _openmmlab_base(cfg_path):
    """``(path, scope)`` of an OpenMMLab base such as ``mmseg::_base_/datasets/ade20k.py``, or
    None to leave the name to mmengine.

    mmengine resolves every ``pkg::NAME`` by first reading all of the package's metafiles
    (about 160 YAML files for MMSegmentation, 0.3 s a base) to look for a model called
    ``NAME``, and only then falls back to ``<package>/.mim/configs/NAME``. A ``_base_/`` name
    is never a model's, so it ends in that fallback every time: this goes there at once.
    Anything else (a model's config, an unknown package, a missing file) is mmengine's.
    """
    scope, sep, name = cfg_path.partition('::')
    if not sep or not name.startswith('_base_/'):
        return None
    from importlib.util import find_spec

    from mmengine.config.utils import MODULE2PACKAGE
    spec = find_spec(scope) if scope in MODULE2PACKAGE and scope.isidentifier() else None
    if spec is None or not spec.origin:
        return None
    path = os.path.join(os.path.dirname(spec.origin), '.mim', 'configs', name)
    return (path, scope) if os.path.isfile(path) else None


def spec_running_after(finder, fullname, path, target, wrap):
    """The spec the other finders on ``sys.meta_path`` give ``fullname``, its loader set to
    run ``wrap(exec_module)(module)`` instead of ``exec_module(module)`` for this one module.

    For finders that find nothing themselves but act when a module is executed (this
    module's, and :mod:`mmseg_inceptionnext.registration`'s). A loader that serves several
    modules (a zip importer) runs the others as before; once every module asked for has run,
    the loader is as it was. Finding a module again does not wrap it twice.

    Args:
        finder: The calling finder, skipped in the search.
        fullname, path, target: As ``find_spec`` receives them.
        wrap: Takes the loader's ``exec_module`` and returns the function to run instead.

    Returns:
        The spec, or None if no finder knows the module.
    """
    for other in list(sys.meta_path):
        find_spec = getattr(other, 'find_spec', None) if other is not finder else None
        spec = find_spec(fullname, path, target) if find_spec else None
        if spec is not None:
            break
    else:
        return None
    loader = spec.loader
    current = getattr(loader, 'exec_module', None)
    if current is None or isinstance(loader, type):  # a class serves many modules
        return spec
    wraps = getattr(current, '_mmseg_inceptionnext_wraps', None)
    if wraps is None:
        wraps = {}

        def exec_module(module):
            wrap_this = wraps.pop(getattr(module, '__name__', None), None)
            if not wraps and vars(loader).get('exec_module') is exec_module:
                del loader.exec_module
            return (wrap_this(current) if wrap_this else current)(module)

        exec_module._mmseg_inceptionnext_wraps = wraps
        try:
            loader.exec_module = exec_module
        except AttributeError:  # a loader without instance attributes: leave it be
            return spec
    wraps[fullname] = wrap
    return spec


class _ConfigFinder:
    """Waits for ``mmengine.config.config``; once it is executed, patches its ``Config``."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != _TARGET:
            return None
        uninstall()
        return spec_running_after(self, fullname, path, target, _then_patch)


def _then_patch(exec_module):
    def exec_and_patch(module):
        exec_module(module)
        patch_config(module.Config)
    return exec_and_patch


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
