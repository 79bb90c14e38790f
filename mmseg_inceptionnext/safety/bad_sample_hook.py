""":class:`BadSampleHook`: the main-process side of :class:`~.bad_samples.BadSampleGuard`.

In training it reads the ``skipped_samples`` reports that the guard attaches to delivered
samples (so they arrive from dataloader workers with the batches), gathers them across
processes, warns once per file with the reason, keeps the count in the log and in the
message hub (``bad_samples``, saved in checkpoints, so that the count survives a resume),
and stops the run when the skipped samples pass ``max_skipped``. Before validation and
testing it wraps the evaluation datasets' pipelines in ``BadSampleGuard(on_bad='raise')``
(their workers start after these hooks), so that a bad evaluation sample is an error
naming the file, never a silently partial metric.
"""
from __future__ import annotations

from typing import Any, Dict, Iterator, List, Union

from mmengine.dist import all_gather_object, get_world_size
from mmengine.hooks import Hook

from ..plugin.registry import register_hook
from .bad_samples import REPORT_KEY, BadSampleGuard, Problem, is_loading_step, resolve_limit
from .dataset_check import check_unchecked

_INFO_KEY = 'bad_samples'


class TooManyBadSamplesError(RuntimeError):
    """More bad training samples than ``BadSampleHook(max_skipped=...)`` allows."""


def dataset_leaves(dataset: Any) -> Iterator[Any]:
    """The datasets holding pipelines inside dataset wrappers (Concat, Repeat, ...)."""
    if hasattr(getattr(dataset, 'pipeline', None), 'transforms'):
        yield dataset
    inner = list(getattr(dataset, 'datasets', None) or [])
    if getattr(dataset, 'dataset', None) is not None:
        inner.append(dataset.dataset)
    for child in inner:
        yield from dataset_leaves(child)


def find_guards(dataset: Any) -> List[BadSampleGuard]:
    """The :class:`BadSampleGuard` steps of a dataset's pipelines."""
    return [t for leaf in dataset_leaves(dataset) for t in leaf.pipeline.transforms
            if isinstance(t, BadSampleGuard)]


def _model_ignore_index(model: Any) -> int:
    model = getattr(model, 'module', model)
    return getattr(getattr(model, 'decode_head', None), 'ignore_index', 255)


@register_hook
class BadSampleHook(Hook):
    """Count and report skipped training samples; refuse bad evaluation samples.

    Args:
        max_skipped: The run stops when more samples than this were skipped: an int (a
            number of samples; 0 stops at the first bad one) or a float in (0, 1) (a
            fraction of the training set, at least one sample). Default: 0.01.
        sync_interval: With several processes, gather the reports every this many
            iterations (and at the end of each epoch). With one process, every iteration.
        guard_eval: Wrap validation and test pipelines in ``BadSampleGuard(on_bad='raise')``
            unless they have a guard already. Default: True.
    """

    priority = 'NORMAL'

    def __init__(self, max_skipped: Union[int, float] = 0.01, sync_interval: int = 50,
                 guard_eval: bool = True) -> None:
        if isinstance(max_skipped, bool) or not (
                (isinstance(max_skipped, int) and max_skipped >= 0)
                or (isinstance(max_skipped, float) and 0.0 < max_skipped < 1.0)):
            raise ValueError(f'BadSampleHook max_skipped must be an int >= 0 (samples) or a '
                             f'float in (0, 1) (a fraction of the training set), got '
                             f'{max_skipped!r}.')
        if not isinstance(sync_interval, int) or sync_interval < 1:
            raise ValueError(f'BadSampleHook sync_interval must be an int >= 1, got '
                             f'{sync_interval!r}.')
        self.max_skipped = max_skipped
        self.sync_interval = sync_interval
        self.guard_eval = guard_eval
        self.skipped: Dict[str, str] = {}
        self.limit = resolve_limit(max_skipped, 0) if isinstance(max_skipped, int) else None
        self.dataset_size = 0
        self._pending: List[Problem] = []
        self._checked: set = set()

    def _check_data(self, runner, loaders) -> None:
        """One sentence for a split that cannot work (a wrong data root or layout), before
        its first sample is read (:func:`~.dataset_check.check_datasets`); once a loader."""
        cfg = getattr(runner, 'cfg', None)
        if cfg is not None:  # the loaders a DatasetCheckingRunner checked are done
            self._checked = check_unchecked(
                cfg, loaders, self._checked | getattr(runner, 'checked_loaders', set()),
                self.max_skipped)

    def before_train(self, runner) -> None:
        self._check_data(runner, ['train_dataloader', 'val_dataloader'])
        dataset = runner.train_dataloader.dataset
        self.dataset_size = len(dataset)
        self.limit = resolve_limit(self.max_skipped, self.dataset_size)
        self.skipped = dict(runner.message_hub.get_info(_INFO_KEY) or {})  # kept over a resume
        if any(g.on_bad == 'skip' for g in find_guards(dataset)):
            runner.logger.info(f'Bad training samples are skipped and counted; the run stops '
                               f'when more than {self.limit} of the {self.dataset_size} are bad.')
        else:
            runner.logger.warning(
                "BadSampleHook: the training pipeline has no BadSampleGuard, so a bad sample "
                "stops the run. To skip and count bad samples, wrap it: train_dataloader = "
                "dict(dataset=dict(pipeline=[dict(type='BadSampleGuard', transforms=<the "
                "pipeline>)])) (this package's tools/train.py does it for every config).")

    def before_train_iter(self, runner, batch_idx: int, data_batch: Any = None) -> None:
        self._collect(data_batch)
        if get_world_size() == 1 or self.every_n_train_iters(runner, self.sync_interval):
            self._sync(runner)

    def after_train_epoch(self, runner) -> None:
        self._sync(runner)

    def after_train(self, runner) -> None:
        self._sync(runner)
        runner.logger.info(f'Bad training samples skipped: {len(self.skipped)} (limit '
                           f'{self.limit}).' + self._listing(10))

    def before_val(self, runner) -> None:
        self._check_data(runner, ['val_dataloader'])
        if self.guard_eval:
            self._guard_eval(runner, runner.val_loop)

    def before_test(self, runner) -> None:
        self._check_data(runner, ['test_dataloader'])
        if self.guard_eval:
            self._guard_eval(runner, runner.test_loop)

    def _collect(self, data_batch: Any) -> None:
        samples = data_batch.get('data_samples') if isinstance(data_batch, dict) else None
        for sample in samples if isinstance(samples, (list, tuple)) else []:
            for path, reason in getattr(sample, 'metainfo', {}).get(REPORT_KEY, ()):
                if path not in self.skipped:
                    self._pending.append((path, reason))

    def _sync(self, runner) -> None:
        """Merge the reports of all processes (collective: every rank calls it alike)."""
        new, self._pending = self._pending, []
        if get_world_size() > 1:
            new = [problem for part in all_gather_object(new) for problem in part]
        for path, reason in new:
            if path in self.skipped:
                continue
            self.skipped[path] = reason
            runner.logger.warning(
                f'Skipped a bad training sample: {path}: {reason} ({len(self.skipped)} skipped '
                f'so far; the run stops above {self.limit}).')
        runner.message_hub.update_info(_INFO_KEY, dict(self.skipped))
        if len(self.skipped) > self.limit:
            raise TooManyBadSamplesError(
                f'{len(self.skipped)} training samples could not be used, more than the limit of '
                f'{self.limit} (max_skipped={self.max_skipped!r} of {self.dataset_size} samples). '
                f'So many bad samples mean the dataset itself is wrong (data_root or '
                f'data_prefix, an incomplete download or conversion): fix it, or raise the '
                f"limit with custom_hooks=[dict(type='BadSampleHook', max_skipped=...)]."
                + self._listing(20))

    def _listing(self, most: int) -> str:
        items = list(self.skipped.items())
        lines = [f'\n  {path}: {reason}' for path, reason in items[:most]]
        more = f'\n  ... and {len(items) - most} more' if len(items) > most else ''
        return ''.join(lines) + more

    def _guard_eval(self, runner, loop: Any) -> None:
        dataset = getattr(getattr(loop, 'dataloader', None), 'dataset', None)
        classes = (getattr(dataset, 'metainfo', None) or {}).get('classes')
        for leaf in dataset_leaves(dataset):
            steps = leaf.pipeline.transforms
            if any(isinstance(t, BadSampleGuard) for t in steps) \
                    or not any(is_loading_step(t) for t in steps):
                continue
            leaf.pipeline.transforms = [BadSampleGuard(
                list(steps), on_bad='raise', num_classes=len(classes) if classes else None,
                ignore_index=_model_ignore_index(runner.model))]
