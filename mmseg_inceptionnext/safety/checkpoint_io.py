"""Checkpoint writing that a full disk or a lost permission cannot turn into a lost run.

``AtomicLocalBackend`` is an mmengine file backend, registered as ``'atomic_local'`` and
selected for checkpoints by the config::

    default_hooks = dict(checkpoint=dict(backend_args=dict(backend='atomic_local')))

(this package's ``tools/train.py`` sets it for every config that names no backend). It
differs from mmengine's ``LocalBackend`` in two ways:

* ``put`` writes to a temporary file in the same directory, syncs it and renames it over
  the target, so a killed run or a failed write leaves the old file or the whole new one,
  never half of one. A write that fails (disk full, permission lost, file too large) removes
  its temporary file and raises :class:`CheckpointWriteError` naming the file, the cause and
  the previous checkpoint.
* ``remove`` of a ``.pth`` file waits for the next successful ``put`` in that directory.
  mmengine's ``CheckpointHook`` deletes the oldest checkpoint *before* writing the new one
  (``max_keep_ckpts``); with this backend a write that fails, or is refused
  (``NonFiniteCheckHook``), keeps the old checkpoint on disk and resumable.
"""
from __future__ import annotations

import contextlib
import errno
import glob
import os
import os.path as osp
import re
import zipfile
from typing import Dict, List, Optional, Union

from mmengine.fileio.backends import LocalBackend, register_backend

BACKEND_NAME = 'atomic_local'
_RETIRED: Dict[str, List[str]] = {}  # directory -> checkpoint files waiting for removal


class CheckpointWriteError(OSError):
    """A checkpoint that could not be written; nothing was replaced or deleted."""


def is_complete_checkpoint(path: str) -> bool:
    """Whether ``path`` is a whole ``torch.save`` file (zip with its central directory and
    intact members), not one cut short by a killed process."""
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.testzip() is None
    except (OSError, zipfile.BadZipFile):
        return False


def _iteration(path: str) -> int:
    found = re.findall(r'_(\d+)\.pth$', path)
    return int(found[0]) if found else -1


def named_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint that mmengine's ``last_checkpoint`` file in ``work_dir`` names (complete
    or not), or None."""
    marker = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(marker):
        return None
    with open(marker) as f:
        return f.read().strip() or None


def resume_checkpoint(work_dir: str, *, exclude: str = '') -> Optional[str]:
    """The checkpoint ``--resume`` continues from in ``work_dir``: the one mmengine's
    ``last_checkpoint`` file names if that file is complete, else the newest complete
    ``iter_*.pth`` / ``epoch_*.pth``; never ``exclude`` (the file being written).

    Args:
        work_dir: The run's work directory.
        exclude: A checkpoint to leave out.

    Returns:
        The path, or None if the directory holds no complete checkpoint.
    """
    def usable(path):
        return osp.isfile(path) and osp.abspath(path) != osp.abspath(exclude) \
            and is_complete_checkpoint(path)

    named = named_checkpoint(work_dir)
    if named and usable(named):
        return named
    candidates = sorted(glob.glob(osp.join(work_dir, '*.pth')),
                        key=lambda p: (_iteration(p), osp.getmtime(p)), reverse=True)
    return next((p for p in candidates if usable(p)), None)


def atomic_write(data: bytes, filepath: str) -> None:
    """Write ``data`` to ``filepath`` through a synced temporary file and a rename.

    Raises:
        CheckpointWriteError: If the write fails; the temporary file is removed and
            ``filepath`` (if it existed) is unchanged.
    """
    directory = osp.dirname(osp.abspath(filepath))
    tmp = f'{filepath}.tmp-{os.getpid()}'
    try:
        os.makedirs(directory, exist_ok=True)
        with open(tmp, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, filepath)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise CheckpointWriteError(_write_error(filepath, directory, exc)) from exc


def _write_error(filepath: str, directory: str, exc: OSError) -> str:
    code = errno.errorcode.get(exc.errno, '') if exc.errno else ''
    previous = resume_checkpoint(directory, exclude=filepath)
    kept = (f'{previous} is whole, and --resume continues from it' if previous
            else 'no earlier checkpoint exists in that directory')
    return (f'Could not write checkpoint {filepath!r}: {exc.strerror or exc}'
            f'{f" ({code})" if code else ""}. Nothing was replaced or deleted: {kept}. Free '
            f'disk space (or restore write permission) on {directory}, then resume with '
            f'--resume.')


class AtomicLocalBackend(LocalBackend):
    """mmengine's local backend with atomic writes and deferred checkpoint removal (see the
    module docstring)."""

    def put(self, obj: bytes, filepath: Union[str, os.PathLike]) -> None:
        """Write ``obj`` atomically, then delete the checkpoints retired in that directory."""
        filepath = os.fspath(filepath)
        atomic_write(obj, filepath)
        target = osp.abspath(filepath)
        for old in _RETIRED.pop(osp.dirname(target), []):
            if old != target and osp.isfile(old):
                os.remove(old)

    def remove(self, filepath: Union[str, os.PathLike]) -> None:
        """Remove a file; a ``.pth`` checkpoint only once the next checkpoint is written."""
        path = osp.abspath(os.fspath(filepath))
        if path.endswith('.pth') and osp.isfile(path):
            _RETIRED.setdefault(osp.dirname(path), []).append(path)
            return
        super().remove(filepath)


with contextlib.suppress(KeyError):  # registered once per process
    register_backend(BACKEND_NAME, AtomicLocalBackend)
