"""Reading, converting and strictly loading backbone checkpoints.

Accepted inputs, for every backbone family of this package:

* a plain state dict, as the official InceptionNeXt release and timm save them
  (``stem.0.weight``, ``stages.0.blocks.0...``, ``head.*``),
* the same wrapped in ``{'state_dict': ...}``, ``{'model': ...}`` or
  ``{'module': ...}``, or with DDP's ``module.`` key prefix,
* OpenMMLab checkpoints (``meta`` + ``state_dict`` with ``backbone.`` keys, plus
  neck/head keys that are ignored),
* ``.safetensors`` files,
* timm's Hugging Face hub names, ``hf-hub:timm/inception_next_tiny.sail_in1k`` (optionally
  ``@revision``): the repo's ``model.safetensors``, else its ``pytorch_model.bin``.

Files are read with ``torch.load(..., weights_only=True)``: a checkpoint that needs
pickled code is refused unless the caller passes ``unsafe_pickle=True``. URLs are fetched
once into torch hub's cache (``<torch hub dir>/checkpoints/<file name>``) with a timeout,
so that a machine without network access fails in seconds with the file name to provide.
Hub names are looked up in the Hugging Face hub cache first and fetched into it only when
missing and online, so that offline a name missing from the cache fails at once, the same way.
Loading is all-or-nothing: every mismatch is reported before any weight is copied.
:func:`load_backbone_weights` is the one loading path of every backbone; a family adds
only its :class:`CheckpointFormat` (key conversion, optional keys, names for errors).
Plain torch, and huggingface_hub (a dependency of timm) for hub names only.
"""
from __future__ import annotations

import os
import pickle
import re
import zipfile
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import torch
from torch import nn

from .download import (
    DEFAULT_DOWNLOAD_TIMEOUT,
    HF_HUB_PREFIX,
    CheckpointError,
    download_checkpoint,
    download_hub_checkpoint,
)

StateDict = Dict[str, torch.Tensor]
#: Keys of a classification checkpoint that a backbone never has.
HEAD_PREFIXES = ('head.', 'fc.', 'norm_pre.')
_WRAPPER_KEYS = ('state_dict', 'model', 'module', 'model_ema')
_MAX_LISTED = 12


def read_checkpoint(filename: str, *, map_location: Any = 'cpu', unsafe_pickle: bool = False,
                    download_timeout: float = DEFAULT_DOWNLOAD_TIMEOUT,
                    hub_cache_dir: Optional[str] = None) -> Any:
    """Read a checkpoint file, URL or hub name without executing pickled code.

    Args:
        filename: Local path (``.pth``, ``.bin``, ``.safetensors``), ``http(s)://`` URL or
            hub name (``hf-hub:org/name[@revision]``, see :func:`download_hub_checkpoint`).
        map_location: Passed to ``torch.load``.
        unsafe_pickle: Allow arbitrary pickled objects. Only for files you trust.
        download_timeout: Seconds a URL or hub download may wait for the server.
        hub_cache_dir: Hugging Face hub cache for hub names (default: ``$HF_HUB_CACHE``,
            else huggingface_hub's default).

    Returns:
        Whatever the file holds (usually a dict).

    Raises:
        FileNotFoundError: The path does not exist.
        CheckpointDownloadError: A URL or hub name that cannot be fetched.
        CheckpointError: The file is empty, truncated, not a checkpoint, or needs
            pickled code while ``unsafe_pickle`` is False.
    """
    filename = os.fspath(filename)
    weights_only = not unsafe_pickle
    if filename.startswith(HF_HUB_PREFIX):
        filename = download_hub_checkpoint(filename, cache_dir=hub_cache_dir,
                                           timeout=download_timeout)
    elif re.match(r'^https?://', filename):
        filename = download_checkpoint(filename, timeout=download_timeout)
    elif re.match(r'^[a-zA-Z][\w+.-]*://', filename):
        raise CheckpointError(f'Unsupported checkpoint location {filename!r}: use a local path, '
                              f'an http(s) URL or a hub name ({HF_HUB_PREFIX}ORG/NAME).')
    if not os.path.isfile(filename):
        raise FileNotFoundError(f'Checkpoint file {filename!r} does not exist (working '
                                f'directory: {os.getcwd()}). Check the path in init_cfg '
                                f"(checkpoint=...) or download the file first.")
    if os.path.getsize(filename) == 0:
        raise CheckpointError(f'Checkpoint file {filename!r} is empty (0 bytes): the download '
                              f'or save was probably interrupted; fetch it again.')
    if filename.endswith('.safetensors'):
        from safetensors.torch import load_file
        try:
            return load_file(filename, device=str(map_location))
        except Exception as exc:  # safetensors raises its own error types
            raise CheckpointError(f'Cannot read safetensors file {filename!r}: {exc}. It is '
                                  f'truncated or corrupt; fetch it again.') from exc
    try:
        return torch.load(filename, map_location=map_location, weights_only=weights_only)
    except pickle.UnpicklingError as exc:
        # 'Unsupported global: GLOBAL x.y' (torch >= 2.4), 'Unsupported class x.y' (older);
        # not 'Unsupported operand', which is a file that is no pickle at all
        if weights_only and re.search(r'Unsupported (?:global|class)', str(exc)):
            raise _unsafe_error(filename, exc) from exc
        raise _corrupt_error(filename, exc) from exc
    except (RuntimeError, EOFError, zipfile.BadZipFile, ValueError) as exc:
        raise _corrupt_error(filename, exc) from exc


def _unsafe_error(filename: str, exc: Exception) -> CheckpointError:
    found = re.search(r'(?:GLOBAL|class) (\S+)', str(exc))
    what = f' (it needs {found.group(1)})' if found else ''
    return CheckpointError(
        f'Checkpoint {filename!r} holds pickled Python objects beyond tensors{what}, which '
        f'could run code when loaded, so it was refused. If you trust the file, opt in '
        f"explicitly: init_cfg=dict(type='Pretrained', checkpoint=..., unsafe_pickle=True), "
        f'or read_checkpoint(..., unsafe_pickle=True). Better: re-save it as a plain state '
        f'dict with tools/convert_checkpoint.py.')


def _corrupt_error(filename: str, exc: Exception) -> CheckpointError:
    return CheckpointError(f'Cannot read checkpoint {filename!r} ({type(exc).__name__}: '
                           f'{str(exc).strip()[:200]}). The file is truncated, corrupt or not a '
                           f'PyTorch checkpoint; fetch it again.')


def extract_state_dict(obj: Any) -> StateDict:
    """Unwrap ``{'state_dict': ...}`` style containers down to a dict of tensors.

    Args:
        obj: What :func:`read_checkpoint` returned.

    Returns:
        The tensors, keyed by parameter name (a new dict).

    Raises:
        CheckpointError: If no dict of tensors is found.
    """
    while isinstance(obj, Mapping):
        inner = next((obj[k] for k in _WRAPPER_KEYS if isinstance(obj.get(k), Mapping)), None)
        if inner is None:
            break
        obj = inner
    if not isinstance(obj, Mapping) or not obj:
        raise CheckpointError(f'The checkpoint holds no state dict (got {type(obj).__name__}).')
    tensors = OrderedDict((k, v) for k, v in obj.items() if isinstance(v, torch.Tensor))
    if not tensors:
        raise CheckpointError(f'The checkpoint holds no tensors; its top-level keys are '
                              f'{_sample(obj)}.')
    return tensors


def to_backbone_state_dict(state_dict: Mapping[str, torch.Tensor],
                           prefix: Optional[str] = None) -> StateDict:
    """Map a classification or OpenMMLab state dict onto backbone key names.

    Strips DDP's ``module.`` prefix; keeps only the ``prefix`` (default: ``backbone.``
    when any key has it) sub-tree, prefix removed; drops classification-head keys.
    A pure function: the input is not modified.

    Args:
        state_dict: Parameter name -> tensor.
        prefix: Sub-tree to keep, e.g. ``'backbone.'``; ``None`` to detect it.

    Returns:
        A new dict with backbone key names.
    """
    sd = OrderedDict((k[len('module.'):] if k.startswith('module.') else k, v)
                     for k, v in state_dict.items())
    if prefix is None and any(k.startswith('backbone.') for k in sd):
        prefix = 'backbone.'
    if prefix:
        prefix = prefix if prefix.endswith('.') else prefix + '.'
        sd = OrderedDict((k[len(prefix):], v) for k, v in sd.items() if k.startswith(prefix))
    return OrderedDict((k, v) for k, v in sd.items() if not k.startswith(HEAD_PREFIXES))


def describe_layout(state_dict: Mapping[str, torch.Tensor]) -> str:
    """Summarise ``depths``/``dims`` of a staged-backbone state dict, for error messages.

    The keys may sit under a prefix (TimmConvNeXt's ``model.``), found from the block keys.
    """
    root = next((m.group(1) for k in state_dict
                 for m in [re.match(r'(.*?)stages\.\d+\.blocks\.\d+\.', k)] if m), '')
    depths, dims = [], []
    for i in range(4):
        blocks = {int(m.group(1)) for k in state_dict
                  for m in [re.match(rf'{re.escape(root)}stages\.{i}\.blocks\.(\d+)\.', k)] if m}
        depths.append(max(blocks) + 1 if blocks else 0)
        conv = state_dict.get(root + ('stem.0.weight' if i == 0 else
                                      f'stages.{i}.downsample.1.weight'))
        dims.append(int(conv.shape[0]) if conv is not None and conv.dim() > 0 else None)
    return f'depths={tuple(depths)}, dims={tuple(dims)}'


def check_state_dict(model: nn.Module, state_dict: Mapping[str, torch.Tensor], *,
                     optional_prefixes: Sequence[str] = ()) -> List[str]:
    """List every way ``state_dict`` fails to fit ``model`` exactly.

    Args:
        model: The module to load into.
        state_dict: Backbone-keyed tensors.
        optional_prefixes: Model keys allowed to be absent (e.g. output norms that
            classification checkpoints never hold). BatchNorm's
            ``num_batches_tracked`` is always optional.

    Returns:
        Human-readable problems; empty when the state dict fits.
    """
    own = model.state_dict()
    problems = []
    mismatched = [f'{k}: checkpoint {tuple(v.shape)} vs model {tuple(own[k].shape)}'
                  for k, v in state_dict.items() if k in own and v.shape != own[k].shape]
    missing = [f'{k} {tuple(own[k].shape)}' for k in own
               if k not in state_dict and not k.startswith(tuple(optional_prefixes))
               and not k.endswith('num_batches_tracked')]
    unexpected = [f'{k} {tuple(state_dict[k].shape)}' for k in state_dict if k not in own]
    for name, items in (('shape mismatch', mismatched), ('missing from the checkpoint', missing),
                        ('unexpected in the checkpoint', unexpected)):
        if items:
            problems.append(f'{len(items)} {name}: {_sample(items)}')
    return problems


@dataclass(frozen=True)
class CheckpointFormat:
    """A backbone family's part in loading checkpoints; :func:`load_backbone_weights` does
    the rest (reading, unwrapping, the ``backbone.`` prefix, the strict check, the load).

    A backbone offers its format as ``model.checkpoint_format()``.

    Attributes:
        convert: The family's key conversion: a pure ``dict -> dict`` function from a
            checkpoint's backbone tensors (after :func:`to_backbone_state_dict`) to the
            model's key names. Default: the keys are the model's already.
        optional_prefixes: Model keys a checkpoint may lack (output norms, which
            classification checkpoints never hold).
        unused_prefixes: Converted keys of modules the model leaves out on purpose (stages
            after the last returned one): dropped, not reported.
        family: The family, as errors name it (default: the model's class name).
        model_name: The model, as errors name it (default: ``this <class name>``).
        model_layout: The model's depths and dims, as errors state them (default: read
            from its state dict).
        archs: Arch names the fix of a mismatch lists.
        other_layouts: The further key layouts the family accepts, for the error when no
            key matches.
    """

    convert: Callable[[StateDict], StateDict] = OrderedDict
    optional_prefixes: Tuple[str, ...] = ()
    unused_prefixes: Tuple[str, ...] = ()
    family: str = ''
    model_name: str = ''
    model_layout: str = ''
    archs: Tuple[str, ...] = ()
    other_layouts: str = ''


def load_backbone_weights(model: nn.Module, checkpoint: str, *, prefix: Optional[str] = None,
                          checkpoint_format: Optional[CheckpointFormat] = None,
                          map_location: Any = 'cpu', unsafe_pickle: bool = False,
                          download_timeout: float = DEFAULT_DOWNLOAD_TIMEOUT,
                          hub_cache_dir: Optional[str] = None) -> StateDict:
    """Load a checkpoint into a backbone strictly, or raise without touching it.

    The one loading path of every backbone of this package: :func:`read_checkpoint`
    (tensors only), :func:`extract_state_dict`, :func:`to_backbone_state_dict`, the
    family's key conversion, :func:`check_state_dict`, then the load.

    Args:
        model: The backbone.
        checkpoint: Path, URL or hub name (``hf-hub:org/name``) of the checkpoint.
        prefix: Sub-tree of the checkpoint to load (``None``: detect ``backbone.``).
        checkpoint_format: The family's conversion and names (default: the model's
            ``checkpoint_format()``, else keys taken as they are).
        map_location: Passed to ``torch.load``.
        unsafe_pickle: Allow pickled objects (trusted files only).
        download_timeout: Seconds a URL or hub download may wait for the server.
        hub_cache_dir: Hugging Face hub cache for hub names (default: ``$HF_HUB_CACHE``,
            else huggingface_hub's default).

    Returns:
        The state dict that was loaded, in the model's key names.

    Raises:
        CheckpointError: When the checkpoint cannot be read or does not fit; the
            message lists mismatched, missing and unexpected keys with shapes.
    """
    fmt = checkpoint_format
    if fmt is None:
        fmt = model.checkpoint_format() if hasattr(model, 'checkpoint_format') else \
            CheckpointFormat()
    raw = extract_state_dict(read_checkpoint(checkpoint, map_location=map_location,
                                             unsafe_pickle=unsafe_pickle,
                                             download_timeout=download_timeout,
                                             hub_cache_dir=hub_cache_dir))
    converted = fmt.convert(to_backbone_state_dict(raw, prefix))
    sd = OrderedDict((k, v) for k, v in converted.items()
                     if not k.startswith(fmt.unused_prefixes))
    own = model.state_dict()
    if not any(k in own for k in sd):
        named = f' for {fmt.model_name}' if fmt.model_name else ''
        raise CheckpointError(f'Checkpoint {checkpoint!r} holds no '
                              f'{fmt.family or type(model).__name__} backbone weights{named}: '
                              f'none of its keys matches a backbone parameter. Its keys look '
                              f'like {_sample(raw)}; expected keys like '
                              f'{_sample(own)}{fmt.other_layouts}.')
    problems = check_state_dict(model, sd, optional_prefixes=fmt.optional_prefixes)
    if problems:
        layout = fmt.model_layout or f'the model has {describe_layout(own)}'
        archs = f' (one of {list(fmt.archs)})' if fmt.archs else ''
        raise CheckpointError(
            f'Checkpoint {checkpoint!r} does not fit '
            f'{fmt.model_name or "this " + type(model).__name__} (nothing was loaded). The '
            f'checkpoint has {describe_layout(converted)}; {layout}. Pick the arch the '
            f'checkpoint was trained with{archs}, or the checkpoint of this arch.\n  '
            + '\n  '.join(problems))
    model.load_state_dict(sd, strict=False)
    return sd


def _sample(items: Iterable[Any]) -> str:
    items = list(items)
    listed = ', '.join(str(i) for i in items[:_MAX_LISTED])
    more = f', ... ({len(items) - _MAX_LISTED} more)' if len(items) > _MAX_LISTED else ''
    return f'[{listed}{more}]'
