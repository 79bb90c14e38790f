"""Checkpoints from anywhere load as tensors: mmengine's checkpoint loading made weights-only on
every supported torch and OpenMMLab flavour.

Every checkpoint that mmengine reads (``Runner`` resume and ``load_from``, stock ``test.py``,
``init_model`` / ``init_detector``, ``MMSegInferencer`` / ``DetInferencer``) goes through
``mmengine.runner.CheckpointLoader``, which picks a loader by the path's prefix. What the
stock loaders do depends on the stack:

* torch < 2.6 unpickles anything by default, and mmengine 0.10.7 passes no ``weights_only``;
* the OneDL fork's mmengine loads with ``weights_only=True`` and, when that fails, retries
  with ``weights_only=False`` after a warning, so a checkpoint that carries code runs;
* mmengine's 0.11 pre-releases pass ``weights_only=False``.

So ``import mmseg_inceptionnext`` registers :func:`load_from_local` for local paths and
:func:`load_from_http` for ``http(s)://`` URLs through ``CheckpointLoader.register_scheme``
(mmengine's documented way to add or replace a loader, ``force=True``), the one place this
package changes how OpenMMLab loads files. Both read with ``torch.load(...,
weights_only=True)`` on every torch, and unpickle anything only when the user asks for it by
torch's own switch, ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1`` (what ``--unsafe-pickle`` of this
package's commands sets for its run). Prefixes mmengine resolves through those two
(``open-mmlab://``, ``torchvision://``, ``mmcls://``...) call mmengine's own http loader
directly and keep the stack's behaviour; docs/stacks.md lists them.

mmengine stores its ``MessageHub`` in each checkpoint, whose ``HistoryBuffer`` objects hold
numpy arrays, and hooks keep numpy scalars (a metric's best value) beside them, which torch's
weights-only unpickler refuses (mmengine issue 1655). Two things make such checkpoints load:

* ``SafeCheckpointHook`` (:mod:`.hooks`), which this package's configs and tools add, writes
  them as tensors and plain numbers: those files load tensors-only on every torch, with no
  allow-list. It is the format this package writes.
* For mmengine's own format, written by configs without that hook (a run from before the
  plugin, a plain MMSegmentation config), torch >= 2.6 lets an allow-list admit exactly the
  globals those files need (:func:`allowed_globals` lists each with its reason;
  ``builtins.getattr`` is served by a function that fetches ``HistoryBuffer``'s statistics
  methods and nothing else). :func:`load_from_local` loads with exactly this list, whatever
  else the process has allowed (the OneDL fork allows the real ``builtins.getattr``), and
  ``import mmseg_inceptionnext`` also adds it to torch's process-wide list, for a user's own
  ``torch.load``. Older torch has no allow-list of ``(object, name)`` pairs: there such a file
  is refused with the fix.

Nothing else is allowed: a checkpoint carrying any other object (an ``os.system`` reduce, an
object dtype array, a class of some library) is refused by torch before anything of it runs.
"""
from __future__ import annotations

import contextlib
import os
import os.path as osp
import pickle
from typing import Any, Callable, Dict, Iterator, List, Tuple

import numpy as np
import torch
from mmengine.runner import CheckpointLoader

from ..models.torch_compat import torch_version

#: torch's own switch for unpickling anything, honoured by the loaders on every torch
UNSAFE_SWITCH = 'TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD'
#: torch >= 2.6: ``add_safe_globals`` takes ``(object, name)`` pairs, which the restricted
#: ``getattr`` needs (it stands in for ``builtins.getattr``)
ALLOW_LIST_TORCH = (2, 6)

#: numeric numpy dtypes whose arrays and scalars may be loaded (never ``object``)
_NUMERIC_DTYPES = ('bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32',
                   'uint64', 'longlong', 'ulonglong', 'float16', 'float32', 'float64')

#: the statistics methods every HistoryBuffer registers
_HISTORY_BUFFER_STATISTICS = ('min', 'max', 'current', 'mean')


def _multiarray():
    """numpy's ``multiarray`` module (``numpy._core`` from numpy 2, ``numpy.core`` before)."""
    if int(np.__version__.split('.')[0]) >= 2:
        import numpy._core.multiarray as multiarray
    else:
        import numpy.core.multiarray as multiarray
    return multiarray


def history_buffer_method(obj: Any, name: str) -> Any:
    """What ``builtins.getattr`` may do while loading: fetch one of ``HistoryBuffer``'s
    statistics methods (``min``, ``max``, ``current``, ``mean`` and any registered with
    ``HistoryBuffer.register_statistics``) from the ``HistoryBuffer`` class.

    A ``HistoryBuffer`` pickles its ``statistics_methods`` dict, and protocol 2 (torch's)
    writes each of those functions as ``getattr(HistoryBuffer, 'min')``. The real ``getattr``
    would hand a checkpoint any attribute of any object it can name; this one refuses all
    else.

    Raises:
        pickle.UnpicklingError: For any other object or name.
    """
    from mmengine.logging import HistoryBuffer
    allowed = set(_HISTORY_BUFFER_STATISTICS) | set(HistoryBuffer._statistics_methods)
    if obj is HistoryBuffer and isinstance(name, str) and name in allowed:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'Refused getattr({obj!r}, {name!r}) while loading a checkpoint: mmseg_inceptionnext '
        f'allows getattr only for HistoryBuffer statistics methods ({sorted(allowed)}).')


def _allowed() -> List[Tuple[str, Callable, str]]:
    from mmengine.logging import HistoryBuffer
    multiarray = _multiarray()
    rows = [
        ('mmengine.logging.history_buffer.HistoryBuffer', HistoryBuffer,
         'MessageHub.log_scalars in every checkpoint: built by object.__new__, then its '
         '__setstate__ stores max_length, two numpy arrays and its statistics methods'),
        ('builtins.getattr', history_buffer_method,
         "only as HistoryBuffer's statistics methods are pickled: getattr(HistoryBuffer, "
         "'min' | 'max' | 'current' | 'mean' | a registered one); any other getattr is refused "
         '(this is our restricted function under that name, not the built-in)'),
        ('numpy.ndarray', np.ndarray,
         'the class of those arrays; subclasses (masked arrays, matrices) stay refused'),
        ('numpy.dtype', np.dtype,
         'describes an array or scalar; only the numeric dtype classes below may be built, '
         'so object arrays (which would hold arbitrary objects) stay refused'),
    ]
    for module in ('numpy.core.multiarray', 'numpy._core.multiarray'):
        # both names: files written under numpy 1 and numpy 2 name the module differently
        rows += [
            (f'{module}._reconstruct', multiarray._reconstruct,
             'makes an empty array of an allowed class and dtype; the data is then copied from '
             'bytes by ndarray.__setstate__'),
            (f'{module}.scalar', multiarray.scalar,
             'numpy scalars (np.float64 metric values hooks keep in runtime_info, such as '
             "CheckpointHook's best score) from a numeric dtype and its bytes"),
        ]
    for name in _NUMERIC_DTYPES:
        cls = type(np.dtype(name))
        rows.append((f'{cls.__module__}.{cls.__qualname__}', cls,
                     f'dtype class of {name} arrays and scalars'))
    return rows


def allowed_globals() -> Dict[str, str]:
    """What :func:`allow_mmengine_checkpoints` allows: full name -> reason."""
    return {name: reason for name, _, reason in _allowed()}


def _allow_list_entries() -> List[Tuple[Callable, str]]:
    """:func:`allowed_globals` as ``torch.serialization.add_safe_globals`` takes them."""
    return [(obj, name) for name, obj, _ in _allowed()]


def allow_mmengine_checkpoints() -> None:
    """Add the globals of ordinary mmengine checkpoints to torch's process-wide weights-only
    allow-list (idempotent; nothing on torch < 2.6, which has no ``(object, name)`` form)."""
    if torch_version() >= ALLOW_LIST_TORCH:
        torch.serialization.add_safe_globals(_allow_list_entries())


@contextlib.contextmanager
def _only_our_allow_list() -> Iterator[None]:
    """torch's allow-list holds exactly :func:`allowed_globals` for the block (and what it
    held before, after it): another library's entry of the same name, such as the real
    ``builtins.getattr``, cannot take our restricted function's place."""
    if torch_version() < ALLOW_LIST_TORCH:
        yield
        return
    saved = torch.serialization.get_safe_globals()
    torch.serialization.clear_safe_globals()
    torch.serialization.add_safe_globals(_allow_list_entries())
    try:
        yield
    finally:
        torch.serialization.clear_safe_globals()
        torch.serialization.add_safe_globals(saved)


def unsafe_requested() -> bool:
    """Whether the user asked to unpickle anything (``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD``)."""
    return os.environ.get(UNSAFE_SWITCH, '0').strip().lower() in ('1', 'y', 'yes', 'true')


def load_weights_only(filename: str, map_location: Any = None) -> Any:
    """``torch.load`` of a local checkpoint: tensors, containers, numbers and the allow-list
    only, unless :func:`unsafe_requested`.

    Raises:
        pickle.UnpicklingError: For a file that holds anything else, naming what it holds,
            the torch installed and the fixes.
    """
    if unsafe_requested():
        return torch.load(filename, map_location=map_location, weights_only=False)
    try:
        with _only_our_allow_list():
            return torch.load(filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as exc:
        raise pickle.UnpicklingError(_refusal(filename, exc)) from None


def _refusal(filename: str, exc: Exception) -> str:
    message = str(exc)
    mmengine_format = 'HistoryBuffer' in message or 'numpy' in message
    if mmengine_format and torch_version() < ALLOW_LIST_TORCH:
        why = (f'It holds numpy objects, as mmengine\'s own format does (its message hub), '
               f'which torch {torch.__version__} cannot load tensors-only: mmengine\'s format '
               f'needs torch >= 2.6, where this plugin\'s allow-list admits it. Checkpoints '
               f'written with SafeCheckpointHook (which the configs of mmseg_inceptionnext add) '
               f'load on every torch.')
    else:
        why = 'It holds pickled Python objects beyond tensors, which could run code.'
    return (f'Refused to load checkpoint {filename!r}. {why} If the file is yours or otherwise '
            f'trusted, allow unpickling for this run: --unsafe-pickle with mmseg_inceptionnext\'s '
            f'commands, or {UNSAFE_SWITCH}=1 in the environment of any tool.\n\n{message}')


def load_from_local(filename: str, map_location: Any = None) -> Any:
    """mmengine's loader for local paths (prefix ``''``), weights-only: see the module
    docstring. (mmengine logs the loader by its name after ``load_from_``.)"""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    return load_weights_only(filename, map_location)


def load_from_http(filename: str, map_location: Any = None) -> Any:
    """mmengine's loader for ``http(s)://`` URLs: downloaded once into torch hub's cache (as
    mmengine does; a timeout and a clear message offline), then :func:`load_from_local`."""
    from ..models.download import download_checkpoint
    return load_from_local(download_checkpoint(filename), map_location)


def use_weights_only_loading() -> None:
    """Make mmengine load local and http(s) checkpoints with :func:`load_from_local` and
    :func:`load_from_http` (idempotent)."""
    CheckpointLoader.register_scheme(prefixes='', loader=load_from_local, force=True)
    CheckpointLoader.register_scheme(prefixes=('http://', 'https://'), loader=load_from_http,
                                     force=True)
