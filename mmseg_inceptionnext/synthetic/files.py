"""What both writers share: their parameters and argument checks, JPEG encoding, and the one
"write once" protocol (:func:`write_once`): a dataset is complete when its
``synthetic_meta.json`` holds the same parameters (``params``) and every expected file exists;
the meta file is written last, so a run cut short is never taken for complete."""
from __future__ import annotations

import json
import re
import time
from dataclasses import asdict
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from PIL import Image

from .shapes import SHAPE_CLASSES

#: Bumped whenever the generated pixels change, so that old datasets are regenerated.
GENERATOR_VERSION = 1
META_NAME = 'synthetic_meta.json'


def check_args(num_train: int, num_val: int, size: Sequence[int] | int,
               seed: int) -> tuple[int, int]:
    """Validate the writers' common arguments; returns ``(height, width)``."""
    if isinstance(size, int):
        size = (size, size)
    if len(size) != 2 or min(size) < 32:
        raise ValueError(f'size must be (height, width) with both >= 32, got {size}')
    if num_train < 0 or num_val < 0:
        raise ValueError('num_train and num_val must be >= 0')
    if int(seed) < 0:
        raise ValueError(f'seed must be >= 0, got {seed}')
    return int(size[0]), int(size[1])


def writer_params(generator: str, *, num_train: int, num_val: int, size: Sequence[int] | int,
                  seed: int, **extra) -> dict:
    """Check a writer's common arguments and return the parameters that identify its dataset
    (what ``synthetic_meta.json`` records): the generator and its version, the split sizes,
    ``size`` as ``[height, width]``, the seed, the writer's own ``extra`` parameters and the
    class table."""
    height, width = check_args(num_train, num_val, size, seed)
    return dict(generator=f'mmseg_inceptionnext.synthetic.{generator}',
                version=GENERATOR_VERSION, num_train=int(num_train), num_val=int(num_val),
                size=[height, width], seed=int(seed), **extra,
                shape_classes=[asdict(c) for c in SHAPE_CLASSES])


def save_jpeg(image: np.ndarray, path: Path) -> None:
    Image.fromarray(image).save(path, format='JPEG', quality=95)


def clear(folder: Path, pattern: re.Pattern) -> None:
    """Remove this generator's files (only names matching ``pattern``) from ``folder``."""
    if folder.is_dir():
        for path in folder.iterdir():
            if path.is_file() and pattern.fullmatch(path.name):
                path.unlink()


def as_json(obj: dict) -> dict:
    """``obj`` as it reads back from JSON (tuples become lists), for comparisons."""
    return json.loads(json.dumps(obj))


def already_written(folder: Path, params: dict, expected: Sequence[Path],
                    overwrite: bool = False) -> dict | None:
    """The meta record of a complete dataset in ``folder`` written with ``params``, or
    ``None`` (then the stale meta file is removed, so a rewrite cut short is never complete).

    Args:
        folder: Where ``synthetic_meta.json`` lives.
        params: The writer's parameters (JSON-compatible).
        expected: Every file the dataset must have.
        overwrite: Never reuse.
    """
    path = folder / META_NAME
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        record = None
    if (not overwrite and isinstance(record, dict) and record.get('params') == as_json(params)
            and all(p.is_file() for p in expected)):
        return record
    if path.exists():
        path.unlink()
    return None


def mark_written(folder: Path, params: dict, **extra) -> None:
    """Record a complete dataset (call after its last file)."""
    (folder / META_NAME).write_text(json.dumps(dict(params=as_json(params), **extra),
                                               indent=2) + '\n')


def write_once(folder: Path, params: dict, expected: Sequence[Path], *, overwrite: bool,
               write: Callable[[], dict]) -> dict:
    """Reuse the complete dataset written with ``params`` in ``folder``, or write it.

    Args:
        folder: Where ``synthetic_meta.json`` lives.
        params: The writer's parameters (:func:`writer_params`).
        expected: Every file the dataset must have.
        overwrite: Never reuse.
        write: Writes every file and returns what the meta record keeps beside ``params``
            (JSON-compatible).

    Returns:
        What ``write`` returned (or, reused, what it returned the time it wrote), plus
        ``reused`` and ``seconds``.
    """
    start = time.time()
    existing = next(p for p in (Path(folder), *Path(folder).parents) if p.exists())
    if not existing.is_dir():
        raise NotADirectoryError(f'{str(existing)!r} is a file, so the dataset cannot be written '
                                 f'to {str(folder)!r}; choose another root folder.')
    record = already_written(folder, params, expected, overwrite)
    if record is not None:
        extra = {k: v for k, v in record.items() if k != 'params'}
    else:
        extra = write()
        mark_written(folder, params, **extra)
    return dict(extra, reused=record is not None, seconds=round(time.time() - start, 3))
