"""What both writers share: per-image seeds, argument checks, JPEG encoding, and the one
"already written" check: a dataset is complete when its ``synthetic_meta.json`` holds the
same parameters (``params``) and every expected file exists; the meta file is written last,
so a run cut short is never taken for complete."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image

#: Bumped whenever the generated pixels change, so that old datasets are regenerated.
GENERATOR_VERSION = 1
META_NAME = 'synthetic_meta.json'


def scene_rng(seed: int, dataset: int, split: int, index: int) -> np.random.Generator:
    """The generator of one image: a function of its place only, not of how many are written."""
    return np.random.default_rng([int(seed), dataset, split, int(index)])


def scene_classes(rng: np.random.Generator, index: int, num_classes: int,
                  num_objects: tuple[int, int]) -> list[int]:
    """Class ids of one scene; the first cycles through all classes so every class occurs."""
    count = int(rng.integers(num_objects[0], num_objects[1] + 1))
    return [index % num_classes] + [int(c) for c in rng.integers(0, num_classes, count - 1)]


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
