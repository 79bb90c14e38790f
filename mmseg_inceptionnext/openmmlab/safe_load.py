"""Ordinary mmengine checkpoints under ``torch.load(..., weights_only=True)``.

torch >= 2.6 loads tensors only by default, and refuses every mmengine checkpoint: mmengine
stores its ``MessageHub`` in each, whose ``HistoryBuffer`` objects hold numpy arrays, and
hooks keep numpy scalars (a metric's best value, for instance) beside them. Upstream has not
fixed this (mmengine issue 1655). Stock MMSegmentation / MMDetection tools therefore cannot
``--resume``, ``test.py`` or load a checkpoint into an inferencer on a current torch without
switching safe loading off for the whole process.

``import mmseg_inceptionnext`` (which ``custom_imports`` does inside every stock tool) calls
:func:`allow_mmengine_checkpoints` when it registers (at once if OpenMMLab is loaded, else
once it is: :mod:`mmseg_inceptionnext.registration`), which adds exactly the globals such
files need to torch's weights-only allow-list (:func:`allowed_globals` lists them, each with
the reason; ``builtins.getattr`` is served by a function that fetches ``HistoryBuffer``'s
statistics methods and nothing else). Nothing else is allowed: a checkpoint carrying any
other object (an ``os.system`` reduce, an object dtype array, a class of some library) is
still refused by torch before anything of it runs, and ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD``
is never set.
"""
from __future__ import annotations

import pickle
from typing import Any, Callable, Dict, List, Tuple

import numpy as np
import torch

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


def allow_mmengine_checkpoints() -> None:
    """Add the globals of ordinary mmengine checkpoints to torch's weights-only allow-list
    (idempotent; process-wide, as ``torch.serialization.add_safe_globals`` is)."""
    torch.serialization.add_safe_globals([(obj, name) for name, obj, _ in _allowed()])
