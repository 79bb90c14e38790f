"""When ``import mmseg_inceptionnext`` registers the plugin in OpenMMLab.

Standard library only: the package's ``__init__`` runs this before anything else, and
``import mmseg_inceptionnext.models`` must load nothing of OpenMMLab.

Registering means importing :mod:`mmseg_inceptionnext.openmmlab`, which puts the backbones,
hooks, transform, optimizer constructor, norm layer and file backend into their registries,
teaches ``mmengine.config.Config`` the ``mmseg_inceptionnext::`` prefix and adds the
weights-only allow-list (the README's "What importing the plugin changes" lists it all). It
happens

- **at once**, if OpenMMLab is already loaded (a package of :data:`OPENMMLAB` is in
  ``sys.modules``): the ``custom_imports`` of a config (mmengine's
  ``import_modules_from_strings``, run by ``Config.fromfile``), ``import mmseg_inceptionnext``
  after ``from mmseg.registry import MODELS``, the stock tools;
- **later** otherwise: a finder on ``sys.meta_path`` waits until the first import of an
  OpenMMLab package (``from mmseg.registry import MODELS``, ``import mmcv``, ...) has
  finished, registers, and takes itself off the path;
- **never** where mmengine or mmcv is not installed.

"Finished" is the end of the outermost OpenMMLab package being executed: ``import mmseg``
executes mmcv and mmengine inside it, and registering while mmcv is half initialised (as a
hook on ``mmengine`` alone would) fails. So the finder counts the OpenMMLab packages being
executed and registers when the count is back to zero.
"""
from __future__ import annotations

import importlib
import importlib.util
import sys
import warnings

from mmseg_inceptionnext_startup import spec_running_after

#: Top-level packages whose import means "OpenMMLab is loaded". The registration imports
#: mmengine, mmcv, mmseg and mmdet; mmpretrain imports mmengine and mmcv.
OPENMMLAB = ('mmengine', 'mmcv', 'mmseg', 'mmdet', 'mmpretrain')
GLUE = 'mmseg_inceptionnext.openmmlab'


def openmmlab_installed() -> bool:
    """Whether what the glue needs (mmengine and mmcv) is installed."""
    return all(importlib.util.find_spec(name) is not None for name in ('mmengine', 'mmcv'))


def openmmlab_loaded() -> bool:
    """Whether a package of :data:`OPENMMLAB` is imported in this process."""
    return any(sys.modules.get(name) is not None for name in OPENMMLAB)


def register_now_or_later() -> str:
    """Register now, or once OpenMMLab is loaded (see the module docstring).

    Returns:
        ``'now'``, ``'later'`` (the finder waits) or ``'never'`` (not installed).
    """
    if not openmmlab_installed():
        return 'never'
    if openmmlab_loaded():
        importlib.import_module(GLUE)
        return 'now'
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)
    return 'later'


def pending() -> bool:
    """Whether the finder still waits for OpenMMLab."""
    return _FINDER in sys.meta_path


def uninstall() -> None:
    """Take the finder off ``sys.meta_path`` (registrations already made stay)."""
    while _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)


def _register_deferred() -> None:
    uninstall()
    if GLUE in sys.modules:  # imported explicitly (and now being executed): it registers
        return
    try:
        importlib.import_module(GLUE)
    except Exception as exc:  # noqa: BLE001  (raising would fail the user's unrelated import)
        warnings.warn(f'mmseg_inceptionnext could not register its modules in OpenMMLab '
                      f'({type(exc).__name__}: {exc}); `import {GLUE}` shows the whole '
                      f'error.', RuntimeWarning, stacklevel=2)


class _OpenMMLabFinder:
    """Finds nothing itself: wraps the execution of the :data:`OPENMMLAB` packages and
    registers once the outermost of them has been executed."""

    def __init__(self):
        self.executing = 0

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in OPENMMLAB:  # a submodule has its package loaded, and so ran here
            return None
        return spec_running_after(self, fullname, path, target, self._counted)

    def _counted(self, exec_module):
        def exec_then_register(module):
            self.executing += 1
            try:
                exec_module(module)
            finally:
                self.executing -= 1
            if self.executing == 0 and pending():
                _register_deferred()
        return exec_then_register


_FINDER = _OpenMMLabFinder()
