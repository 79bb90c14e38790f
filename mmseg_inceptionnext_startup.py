"""Start-up hook of mmseg_inceptionnext: config names in every Python of the environment.

Stock OpenMMLab tools (MMSegmentation's and MMDetection's ``tools/train.py`` and
``tools/test.py``, the inferencers) read a config with ``mmengine.config.Config`` *before*
its ``custom_imports`` run. So a config that inherits ours by name
(``_base_ = 'mmseg_inceptionnext::upernet_inceptionnext_t_ade20k.py'``) has to be understood
before anything of the config, or of this package, runs.

``mmseg_inceptionnext_startup.pth``, which the wheel installs into ``site-packages``, imports
this module when Python starts. It imports nothing of the package and nothing but the
standard library. :func:`install` puts a finder on ``sys.meta_path`` that waits for
``mmengine.config.config`` (Python has no other way to act when a module is imported); once
that module is executed, the finder patches ``Config`` (:func:`patch_config`) and takes itself
off the path. ``import mmseg_inceptionnext`` makes the same patch, for processes started
with the hook off (``MMSEG_INCEPTIONNEXT_STARTUP=0``).

The patch answers two kinds of names and leaves every other name to mmengine:

- ``mmseg_inceptionnext::NAME``, in ``_base_`` and as the file ``Config.fromfile`` reads:
  mmengine's own ``pkg::`` lookup accepts only the packages of a fixed table;
- ``mmseg::_base_/...`` and ``mmdet::_base_/...``, the bases our configs inherit: they are
  files in the toolbox's ``.mim/configs``. mmengine finds them there only after reading every
  metafile of the toolbox (0.7 s a config, against 0.03 s), and the OneDL fork's mmengine not
  at all (it looks for the distribution ``mmsegmentation``, which the fork names
  ``onedl-mmsegmentation``).
"""
import glob
import os
import sys
from importlib.util import find_spec

PREFIX = 'mmseg_inceptionnext::'
ENV_SWITCH = 'MMSEG_INCEPTIONNEXT_STARTUP'
_TARGET = 'mmengine.config.config'
_PATCHED = '_mmseg_inceptionnext'


def configs_root() -> str:
    """The folder of this package's configs (inside the installed package)."""
    spec = find_spec('mmseg_inceptionnext')  # finds the package without importing it
    return os.path.join(list(spec.submodule_search_locations)[0], 'configs')


def config_names() -> list:
    """Every config of this package, as paths relative to ``configs/``."""
    root = configs_root()
    return sorted(os.path.relpath(p, root)
                  for p in glob.glob(os.path.join(root, '**', '*.py'), recursive=True))


def config_path(name: str) -> str:
    """Absolute path of a config of this package.

    Args:
        name: Path relative to ``configs/``, with or without the ``mmseg_inceptionnext::``
            prefix, e.g. ``'upernet_inceptionnext_t_ade20k.py'`` or
            ``'demo/upernet_inceptionnext_a_synthetic.py'``.

    Raises:
        FileNotFoundError: Naming the configs that exist.
    """
    root = configs_root()
    rel = name[len(PREFIX):] if name.startswith(PREFIX) else name
    path = os.path.normpath(os.path.join(root, rel))
    if not path.startswith(root + os.sep) or not os.path.isfile(path):
        raise FileNotFoundError(f'{name!r} is not a config of mmseg_inceptionnext; its configs '
                                f'are: {config_names()}')
    return path


def toolbox_base(cfg_path: str):
    """``(path, scope)`` of a toolbox base such as ``mmseg::_base_/datasets/ade20k.py``, or None
    to leave the name to mmengine (a model's config, an unknown package, a missing file)."""
    scope, sep, name = cfg_path.partition('::')
    if not sep or not name.startswith('_base_/') or not scope.isidentifier():
        return None
    from mmengine.config.utils import MODULE2PACKAGE
    spec = find_spec(scope) if scope in MODULE2PACKAGE else None
    if spec is None or not spec.origin:
        return None
    path = os.path.join(os.path.dirname(spec.origin), '.mim', 'configs', name)
    return (path, scope) if os.path.isfile(path) else None


def patch_config(config_cls) -> None:
    """Teach mmengine's ``Config`` the names of the module docstring (idempotent)."""
    if getattr(config_cls._get_cfg_path, _PATCHED, False):
        return
    get_cfg_path, fromfile = config_cls._get_cfg_path, config_cls.fromfile

    def _get_cfg_path(cfg_path, filename):
        if cfg_path.startswith(PREFIX):
            # scope None: our bases keep the scopes they set themselves (mmseg::, mmdet::)
            return config_path(cfg_path), None
        return toolbox_base(cfg_path) or get_cfg_path(cfg_path, filename)

    def _fromfile(filename, *args, **kwargs):
        if isinstance(filename, str) and filename.startswith(PREFIX):
            filename = config_path(filename)
        return fromfile(filename, *args, **kwargs)

    setattr(_get_cfg_path, _PATCHED, True)
    config_cls._get_cfg_path = staticmethod(_get_cfg_path)
    config_cls.fromfile = staticmethod(_fromfile)


class _PatchAfterExec:
    """The loader of ``mmengine.config.config``: runs it, then patches its ``Config``."""

    def __init__(self, loader):
        self.loader = loader

    def __getattr__(self, name):  # get_source, is_package, ...: the real loader's
        return getattr(self.loader, name)

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        self.loader.exec_module(module)
        patch_config(module.Config)


class _ConfigFinder:
    """Finds nothing itself: hands ``mmengine.config.config`` to :class:`_PatchAfterExec`."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != _TARGET:
            return None
        uninstall()
        for finder in sys.meta_path:
            spec = finder.find_spec(fullname, path, target) if hasattr(finder, 'find_spec') \
                else None
            if spec is not None:
                if hasattr(spec.loader, 'exec_module'):
                    spec.loader = _PatchAfterExec(spec.loader)
                return spec
        return None


_FINDER = _ConfigFinder()


def install() -> bool:
    """Patch ``Config`` now if mmengine's config module is imported, else once it is; nothing
    if ``MMSEG_INCEPTIONNEXT_STARTUP`` is ``0`` / ``false`` / ``no`` / ``off``.

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
    """Take the finder off ``sys.meta_path`` (a patch already made stays)."""
    while _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
