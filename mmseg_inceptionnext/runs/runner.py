"""Training and testing entry points shared by ``tools/train.py`` and ``tools/test.py``.

One code path for MMSegmentation and MMDetection configs: the toolbox is the
config's ``default_scope``. It also makes mmengine's own checkpoints resumable on
torch >= 2.6, whose ``torch.load`` reads with ``weights_only=True`` by default,
without switching safe loading off (see :func:`use_safe_checkpoints`).

Every run gets this package's reliability settings (:mod:`.reliability`: bad samples
skipped and counted, non-finite steps stopped, atomic checkpoints) unless its config
sets them itself.
"""
from __future__ import annotations

import contextlib
import os
import os.path as osp
import pickle
from typing import Any, Dict, Optional, Sequence

import torch
from mmengine.config import Config
from mmengine.runner import Runner

from ..plugin.optim import check_custom_keys
from ..safety.checkpoint_io import named_checkpoint, resume_checkpoint
from ..safety.config_edits import add_testing_safeguards, add_training_safeguards
from ..safety.dataset_check import check_datasets
from ..safety.distributed import end_distributed, prepare_cpu_distributed
from .quiet import ConsoleProgress, quiet_console

_TOOLBOXES = ('mmseg', 'mmdet')


def use_safe_checkpoints(cfg: Config) -> None:
    """Make the run write checkpoints that load with ``weights_only=True`` even where this
    package is not imported: ``SafeCheckpointHook`` is added unless the config has it."""
    hooks = list(cfg.get('custom_hooks', None) or [])
    if not any(h.get('type') == 'SafeCheckpointHook' for h in hooks):
        cfg.custom_hooks = hooks + [dict(type='SafeCheckpointHook')]


@contextlib.contextmanager
def unpickling(unsafe_pickle: bool):
    """Within the block, and only if asked by name (``--unsafe-pickle``), let mmengine's
    ``torch.load`` calls (resume, ``load_from``) unpickle anything: ``TORCH_FORCE_NO_
    WEIGHTS_ONLY_LOAD`` is set for the block and restored after it. Backbone
    ``Pretrained`` weights stay tensors-only (that loader passes ``weights_only=True``).
    Pickling errors are explained either way."""
    key = 'TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD'
    before = os.environ.get(key)
    if unsafe_pickle:
        os.environ[key] = '1'
    try:
        with _explain_unpickling_errors():
            yield
    finally:
        if unsafe_pickle:
            if before is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = before


def toolbox_of(cfg: Config) -> str:
    """The toolbox a config belongs to ('mmseg' or 'mmdet'), from its ``default_scope``."""
    scope = cfg.get('default_scope')
    if scope not in _TOOLBOXES:
        raise ValueError(f'Config has default_scope={scope!r}; expected one of {_TOOLBOXES}. '
                         f"Inherit the toolbox's runtime (e.g. 'mmseg::_base_/default_runtime.py')"
                         f" or set default_scope.")
    return scope


def load_config(config: str, *, work_dir: Optional[str] = None,
                cfg_options: Optional[Dict[str, Any]] = None,
                launcher: str = 'none') -> Config:
    """Read a config, apply ``--cfg-options`` and fill in ``work_dir`` and ``launcher``.

    Args:
        config: Path of the config file, or ``mmseg_inceptionnext::NAME``.
        work_dir: Output directory; default ``./work_dirs/<config name>``.
        cfg_options: ``key=value`` overrides (mmengine's ``DictAction`` result).
        launcher: 'none', 'pytorch', 'slurm' or 'mpi'.

    Returns:
        The config.
    """
    from ..plugin.config_names import resolve_config
    config = resolve_config(config)
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    toolbox_of(cfg)
    cfg.launcher = launcher
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(config))[0])
    return cfg


def check_data(cfg: Config, loaders: Sequence[str]) -> None:
    """Fail before anything is built if a dataloader's split cannot work (a missing data root,
    folder or annotation file, an empty split, unpaired images and labels beyond the
    bad-sample limit): :func:`~mmseg_inceptionnext.safety.dataset_check.check_datasets`.
    A config whose runner is ``DatasetCheckingRunner`` (ours) is left to it."""
    if cfg.get('runner_type') != 'DatasetCheckingRunner':
        check_datasets(cfg, loaders)


def check_paramwise_keys(cfg: Config, model: torch.nn.Module) -> None:
    """Fail if a ``paramwise_cfg.custom_keys`` entry matches no parameter name (mmengine's
    default constructor ignores such keys silently, so a typo changes nothing)."""
    wrappers = cfg.get('optim_wrapper') or {}
    # one wrapper, or a dict of named wrappers (multi-optimizer configs)
    wrappers = [wrappers] if 'optimizer' in wrappers else list(wrappers.values())
    names = [n for n, _ in model.named_parameters()]
    for wrapper in wrappers:
        keys = ((wrapper or {}).get('paramwise_cfg') or {}).get('custom_keys') or {}
        check_custom_keys(keys, names, 'the model')


def enable_amp(cfg: Config) -> None:
    """Switch the optimizer wrapper to mixed precision with a dynamic loss scale."""
    wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
    if wrapper == 'AmpOptimWrapper':
        return
    if wrapper != 'OptimWrapper':
        raise ValueError(f'--amp works with OptimWrapper configs, this one uses {wrapper}.')
    cfg.optim_wrapper.type = 'AmpOptimWrapper'
    cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')


def build_model(cfg: Config, model_cfg: Optional[Dict[str, Any]] = None) -> torch.nn.Module:
    """Build a config's model without downloading weights, for CPU use outside a runner:
    in the config's toolbox registry, backbone ``init_cfg`` off, SyncBN reverted to BN (as
    mmengine's runner does without distributed training).

    Args:
        cfg: The config (its ``default_scope`` picks the registry).
        model_cfg: A modified copy of ``cfg.model`` to build instead.

    Returns:
        The model (random weights).
    """
    import importlib

    from mmengine.model import revert_sync_batchnorm
    from mmengine.registry import init_default_scope
    scope = toolbox_of(cfg)
    init_default_scope(scope)
    model_cfg = (cfg.model if model_cfg is None else model_cfg).copy()
    model_cfg['backbone'] = dict(model_cfg['backbone'], init_cfg=None)
    registry = importlib.import_module(f'{scope}.registry').MODELS
    return revert_sync_batchnorm(registry.build(model_cfg))


def build_runner(cfg: Config) -> Runner:
    """Build the runner a config asks for (``runner_type``) or mmengine's ``Runner``."""
    if 'runner_type' in cfg:
        from mmengine.registry import RUNNERS
        return RUNNERS.build(cfg)
    return Runner.from_cfg(cfg)


def train(config: str, *, work_dir: Optional[str] = None, resume: Optional[str] = None,
          amp: bool = False, cfg_options: Optional[Dict[str, Any]] = None,
          launcher: str = 'none', unsafe_pickle: bool = False, quiet: bool = False) -> Runner:
    """Train a MMSegmentation or MMDetection config.

    Args:
        config: Config path, or ``mmseg_inceptionnext::NAME``.
        work_dir: Output directory (logs, checkpoints).
        resume: 'auto' to resume from the latest checkpoint in ``work_dir``, a
            checkpoint path to resume from it, or ``None`` to start afresh.
        amp: Mixed-precision training.
        cfg_options: Config overrides.
        launcher: Distributed launcher.
        unsafe_pickle: Resume from (or ``load_from``) a checkpoint that needs
            pickled code, such as one written without ``SafeCheckpointHook``.
        quiet: Show only progress and metrics; the rest goes to ``work_dir/console.log``.

    Returns:
        The runner, after training.
    """
    cfg = load_config(config, work_dir=work_dir, cfg_options=cfg_options, launcher=launcher)
    if amp:
        enable_amp(cfg)
    note = None
    if resume == 'auto':
        # like mmengine's auto-resume, but never from a checkpoint cut short by a kill
        cfg.resume, cfg.load_from = True, resume_checkpoint(cfg.work_dir)
        named = named_checkpoint(cfg.work_dir)
        if named and cfg.load_from and named != cfg.load_from:
            note = (f'{named} is missing or incomplete (the run was probably killed while '
                    f'saving); resuming from {cfg.load_from}.')
    elif resume is not None:
        if not osp.isfile(resume):
            raise FileNotFoundError(f'--resume checkpoint {resume!r} does not exist.')
        cfg.resume, cfg.load_from = True, resume
    check_data(cfg, ['train_dataloader', 'val_dataloader'])
    use_safe_checkpoints(cfg)
    add_training_safeguards(cfg)

    def run(runner):
        if note:  # in this run's log, which the runner has just opened
            runner.logger.warning(note)
        check_paramwise_keys(cfg, runner.model)
        runner.train()
        return runner
    return _run(cfg, run, quiet=quiet, unsafe_pickle=unsafe_pickle)


def _run(cfg: Config, action, *, quiet: bool, unsafe_pickle: bool) -> Any:
    """Build the runner and call ``action(runner)`` (CPU distributed set-up around it; with
    ``quiet``, only progress and metrics on the terminal)."""
    prepare_cpu_distributed(cfg)
    with quiet_console(cfg.work_dir) if quiet else contextlib.nullcontext() as terminal:
        runner = build_runner(cfg)
        if quiet:
            runner.register_hook(ConsoleProgress(terminal))
        with unpickling(unsafe_pickle):
            result = action(runner)
    end_distributed()
    return result


def test(config: str, checkpoint: str, *, work_dir: Optional[str] = None, tta: bool = False,
         show_dir: Optional[str] = None, out: Optional[str] = None,
         cfg_options: Optional[Dict[str, Any]] = None, launcher: str = 'none',
         quiet: bool = False,
         unsafe_pickle: bool = False) -> Dict[str, Any]:
    """Evaluate a checkpoint with a MMSegmentation or MMDetection config.

    Args:
        config: Config path, or ``mmseg_inceptionnext::NAME``.
        checkpoint: Checkpoint of the whole model.
        work_dir: Output directory.
        tta: Test-time augmentation with the config's ``tta_model`` / ``tta_pipeline``.
        show_dir: Where to write visualisations (relative to the run's log directory).
        out: File to dump raw predictions (MMDetection) or directory for predicted
            masks (MMSegmentation).
        cfg_options: Config overrides.
        launcher: Distributed launcher.
        unsafe_pickle: Read a checkpoint that needs pickled code (trusted files only).
        quiet: Show only the metrics; the rest goes to ``work_dir/console.log``.

    Returns:
        The metrics.
    """
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(f'Checkpoint {checkpoint!r} does not exist.')
    cfg = load_config(config, work_dir=work_dir, cfg_options=cfg_options, launcher=launcher)
    cfg.load_from = checkpoint
    if tta:
        _use_tta(cfg)
    if show_dir:
        _visualize(cfg, show_dir)
    if out:
        _dump_predictions(cfg, out)
    check_data(cfg, ['test_dataloader'])
    use_safe_checkpoints(cfg)
    add_testing_safeguards(cfg)
    return _run(cfg, lambda runner: runner.test(), quiet=quiet, unsafe_pickle=unsafe_pickle)


@contextlib.contextmanager
def _explain_unpickling_errors():
    try:
        yield
    except pickle.UnpicklingError as exc:
        raise pickle.UnpicklingError(
            f'{exc}\n\nThe checkpoint holds pickled Python objects and was refused (checkpoints '
            f'load as tensors only, on every torch). Checkpoints written by this project\'s tools '
            f'never need this; if this one is yours or otherwise trusted, rerun with '
            f'--unsafe-pickle.') from None


def _use_tta(cfg: Config) -> None:
    missing = [k for k in ('tta_model', 'tta_pipeline') if k not in cfg]
    if missing:
        raise ValueError(f'--tta needs {missing} in the config; the configs of this project '
                         f'define both.')
    cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
    cfg.tta_model.module = cfg.model
    cfg.model = cfg.tta_model


def _visualize(cfg: Config, show_dir: str) -> None:
    hook = 'SegVisualizationHook' if toolbox_of(cfg) == 'mmseg' else 'DetVisualizationHook'
    cfg.default_hooks.setdefault('visualization', dict(type=hook))
    cfg.default_hooks.visualization.update(draw=True, interval=1)
    if toolbox_of(cfg) == 'mmdet':
        cfg.default_hooks.visualization.test_out_dir = show_dir
    else:
        cfg.visualizer.save_dir = show_dir
        cfg.default_hooks.visualization.show = False


def _dump_predictions(cfg: Config, out: str) -> None:
    if toolbox_of(cfg) == 'mmseg':
        cfg.test_evaluator.update(output_dir=out, keep_results=True)
    else:
        evaluators = cfg.test_evaluator if isinstance(cfg.test_evaluator, list) else [
            cfg.test_evaluator]
        cfg.test_evaluator = evaluators + [dict(type='DumpDetResults', out_file_path=out)]
