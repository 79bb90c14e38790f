"""Bad samples: skipped and counted in training, a clear error in validation and testing.

:class:`BadSampleGuard` wraps a dataset's whole pipeline (a transform, like mmcv's own
wrappers). It watches the pipeline's loading steps (the transforms whose class name starts
with ``Load``) and, after each, checks what was loaded. A sample is bad when

* its image or annotation file is missing, cannot be read or cannot be decoded,
* its annotation does not match its image in size (a segmentation map of another size; a
  COCO entry whose ``height`` / ``width`` differ from the image file),
* its labels lie outside the classes, other than the ignore index (``num_classes`` given).

In training (``on_bad='skip'``) the wrapper then returns ``None``, and mmengine's
``BaseDataset.__getitem__`` draws another sample (its refetch mechanism, up to
``max_refetch``; mmcv's ``LoadImageFromFile(ignore_empty=True)`` relies on the same one, but
silently). What was skipped rides to the main process in the metainfo of the next sample
the wrapper delivers (key ``skipped_samples``), whatever the number of dataloader workers;
:class:`~mmseg_inceptionnext.safety.bad_sample_hook.BadSampleHook` warns once per file,
counts across processes and stops the run above a limit. In validation and testing
(``on_bad='raise'``) the same problems raise :class:`BadSampleError` naming the file: a metric
over part of the set is not the metric.
"""
from __future__ import annotations

import os
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmcv.transforms import BaseTransform, Compose
from mmengine.logging import print_log

from ..plugin.registry import register_transform

#: Metainfo key of a delivered sample listing ``(file, reason)`` of the samples skipped before.
REPORT_KEY = 'skipped_samples'
Problem = Tuple[str, str]  # (file, reason)


class BadSampleError(RuntimeError):
    """A sample that cannot be used where skipping is not allowed, or too many in a row."""


def is_loading_step(transform: Callable) -> bool:
    """Whether a pipeline step loads files (mmcv's / mmseg's / mmdet's ``Load*`` transforms)."""
    return type(transform).__name__.startswith('Load')


def _what(step: Callable) -> str:
    name = type(step).__name__
    return 'annotation' if 'Annotation' in name else 'image' if 'Image' in name else 'file'


def _file_of(results: Dict[str, Any], what: str) -> str:
    """The file a problem is about. Detection annotations live in one JSON file for all
    images, so their problems name the image the entry belongs to."""
    if what == 'annotation' and results.get('seg_map_path'):
        return str(results['seg_map_path'])
    return str(results.get('img_path') or results.get('seg_map_path') or
               f"sample {results.get('sample_idx', '?')}")


def describe_failure(step: Callable, results: Dict[str, Any],
                     exc: Optional[BaseException]) -> Problem:
    """``(file, reason)`` for a loading step that raised ``exc`` (or returned ``None``)."""
    what = _what(step)
    if isinstance(exc, FileNotFoundError) and exc.filename:
        return str(exc.filename), f'{what} file is missing'
    path = _file_of(results, what)
    if exc is None:
        return path, f'{what} could not be read ({type(step).__name__} returned None)'
    if isinstance(exc, FileNotFoundError):
        return path, f'{what} file is missing'
    if isinstance(exc, OSError):
        return path, f'{what} cannot be read ({exc.strerror or exc})'
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ''
    detail = detail.replace(f': {path}', '').replace(path, '')[:160]  # the path is named anyway
    return path, (f'{what} cannot be decoded, the file is probably truncated or corrupt '
                  f'({type(exc).__name__}{": " + detail if detail else ""})')


def truncated_jpeg(results: Dict[str, Any]) -> Optional[Problem]:
    """``(file, reason)`` if the sample's image is a JPEG file cut short, else ``None``.

    OpenCV before 4.11 decodes a truncated JPEG with a warning and fills the missing part with
    grey, so the loading step succeeds; a JPEG whose last 4 KiB hold no end-of-image marker
    (``FF D9``, which cannot occur inside the compressed data) is such a file.
    """
    path = results.get('img_path')
    if not isinstance(path, str) or not path.lower().endswith(('.jpg', '.jpeg')):
        return None
    try:
        with open(path, 'rb') as f:
            if f.read(2) != b'\xff\xd8':
                return None  # not a JPEG after all: the decoder judged it
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 4096))
            tail = f.read()
    except OSError:
        return None  # not a local file (a file backend's): the decoder judged it
    if b'\xff\xd9' in tail:
        return None
    return path, ('image cannot be decoded, the file is probably truncated or corrupt (the '
                  'JPEG ends before its end-of-image marker)')


def _shape(array: np.ndarray) -> str:
    return 'x'.join(str(n) for n in array.shape)


def _labels_outside(labels: np.ndarray, num_classes: int, ignore_index: Optional[int]) -> list:
    bad = (labels < 0) | (labels >= num_classes)
    if ignore_index is not None:
        bad &= labels != ignore_index
    return np.unique(labels[bad])[:8].tolist() if bad.any() else []


def check_loaded(results: Dict[str, Any], num_classes: Optional[int] = None,
                 ignore_index: Optional[int] = 255) -> Optional[Problem]:
    """Check what the loading steps produced so far.

    Args:
        results: The pipeline's results dict.
        num_classes: Number of classes; labels must lie in ``[0, num_classes)`` (or be
            ``ignore_index``). ``None`` skips the label checks.
        ignore_index: Label value excluded from the class range check.

    Returns:
        ``(file, reason)`` of the first problem, or ``None`` if the sample is usable.
    """
    shape = results.get('ori_shape')
    shape = tuple(int(n) for n in shape[:2]) if shape is not None else None
    seg = results.get('gt_seg_map')
    if seg is not None and shape is not None:
        seg_file = _file_of(results, 'annotation')
        if seg.ndim != 2 or tuple(seg.shape) != shape:
            return seg_file, (f'annotation is {_shape(seg)} but its image is '
                              f'{shape[0]}x{shape[1]} (an annotation of another image?)')
        if num_classes is not None:
            outside = _labels_outside(seg, num_classes, ignore_index)
            if outside:
                return seg_file, (f'annotation has labels {outside} outside the {num_classes} '
                                  f'classes (0..{num_classes - 1}, ignore index {ignore_index})')
    declared = (results.get('height'), results.get('width'))
    if shape is not None and all(isinstance(n, (int, np.integer)) for n in declared):
        if tuple(int(n) for n in declared) != shape:
            return _file_of(results, 'image'), (
                f'the annotation file gives this image as {declared[0]}x{declared[1]}, the image '
                f'file is {shape[0]}x{shape[1]}')
    labels = results.get('gt_bboxes_labels')
    if labels is not None and num_classes is not None and len(labels):
        outside = _labels_outside(np.asarray(labels), num_classes, None)
        if outside:
            return _file_of(results, 'image'), (f'annotation has box labels {outside} outside the '
                                                f'{num_classes} classes')
    return None


@register_transform
class BadSampleGuard(BaseTransform):
    """Run a pipeline; skip (training) or refuse (evaluation) samples that cannot be used.

    Args:
        transforms: The whole pipeline, up to and including its ``Pack*`` step (dicts
            or callables, as for mmcv's ``Compose``).
        on_bad: ``'skip'`` (training: return ``None`` so that the dataset draws another
            sample, and report the file) or ``'raise'`` (validation, testing).
        num_classes: Number of classes, to check segmentation labels (and box labels)
            against; ``None`` leaves labels unchecked.
        ignore_index: Segmentation label value that is not a class. Default: 255.
        max_consecutive: With ``'skip'``, raise after this many bad samples in a row in
            one process: then the dataset or its paths are wrong, not a few files.
    """

    def __init__(self, transforms: Sequence[Union[dict, Callable]], on_bad: str = 'skip',
                 num_classes: Optional[int] = None, ignore_index: Optional[int] = 255,
                 max_consecutive: int = 20) -> None:
        if on_bad not in ('skip', 'raise'):
            raise ValueError(f"BadSampleGuard on_bad must be 'skip' or 'raise', got {on_bad!r}.")
        self.pipeline = Compose(list(transforms))
        steps = self.pipeline.transforms
        if not any(is_loading_step(t) for t in steps):
            raise ValueError(f'BadSampleGuard wraps a pipeline without a loading step (Load*): '
                             f'{[type(t).__name__ for t in steps]}; wrap the whole pipeline.')
        if on_bad == 'skip' and not type(steps[-1]).__name__.startswith('Pack'):
            raise ValueError(f'BadSampleGuard(on_bad="skip") must wrap the whole pipeline up to '
                             f'its Pack* step, so that the skipped files reach the log with the '
                             f'samples; the last step is {type(steps[-1]).__name__}.')
        self.on_bad = on_bad
        self.num_classes = num_classes
        self.ignore_index = ignore_index
        self.max_consecutive = max_consecutive
        self._pending: List[Problem] = []  # skipped since the last delivered sample
        self._reported: set = set()
        self._in_a_row: List[Problem] = []

    def transform(self, results: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        """Run the pipeline on one sample.

        Args:
            results: The dataset's data info for the sample.

        Returns:
            The packed sample, or ``None`` for a bad sample with ``on_bad='skip'``.

        Raises:
            BadSampleError: For a bad sample with ``on_bad='raise'``, or after
                ``max_consecutive`` bad samples in a row.
        """
        for step in self.pipeline.transforms:
            if not is_loading_step(step):
                results = step(results)
                if results is None:  # a random transform asks for another sample
                    return None
                continue
            try:
                loaded = step(results)
            except Exception as exc:  # any failure of a loading step makes the sample bad
                return self._bad(describe_failure(step, results, exc))
            if loaded is None:
                return self._bad(describe_failure(step, results, None))
            results = loaded
            problem = truncated_jpeg(results) if _what(step) == 'image' else None
            problem = problem or check_loaded(results, self.num_classes, self.ignore_index)
            if problem is not None:
                return self._bad(problem)
        self._in_a_row = []
        return self._deliver(results)

    def _bad(self, problem: Problem) -> None:
        path, reason = problem
        if self.on_bad == 'raise':
            raise BadSampleError(
                f'{path}: {reason}. Validation and testing never skip samples (a metric over '
                f'part of the set is not the metric): replace or fix the file, or remove the '
                f'sample from the split.')
        self._in_a_row.append(problem)
        if len(self._in_a_row) >= self.max_consecutive:
            listed = '\n  '.join(f'{p}: {r}' for p, r in self._in_a_row[-5:])
            raise BadSampleError(
                f'{len(self._in_a_row)} training samples in a row could not be used, so the '
                f'dataset or its paths are wrong, not a few files (check data_root, data_prefix '
                f'and the file suffixes). The last ones:\n  {listed}')
        if path not in self._reported:
            self._reported.add(path)
            self._pending.append(problem)
        return None

    def _deliver(self, results: Any) -> Any:
        """Attach the pending reports to the delivered sample's metainfo."""
        if not self._pending:
            return results
        samples = results.get('data_samples') if isinstance(results, dict) else None
        if hasattr(samples, 'set_metainfo'):
            earlier = tuple(samples.metainfo.get(REPORT_KEY, ()))
            samples.set_metainfo({REPORT_KEY: earlier + tuple(self._pending)})
        else:  # no data sample to carry them: at least warn from this process
            for path, reason in self._pending:
                print_log(f'Skipped a bad sample: {path}: {reason}', logger='current',
                          level=30)
        self._pending = []
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(on_bad={self.on_bad!r}, num_classes={self.num_classes}, '
                f'ignore_index={self.ignore_index}, transforms={self.pipeline.transforms})')


def resolve_limit(max_skipped: Union[int, float], size: int) -> int:
    """The number of skipped samples allowed: ``max_skipped`` itself (an int), or that
    fraction of ``size`` (a float in (0, 1)), at least one sample."""
    if isinstance(max_skipped, float):
        return max(1, int(max_skipped * size))
    return max_skipped
