"""ConvNeXt (Liu et al., "A ConvNet for the 2020s", CVPR 2022) as an OpenMMLab backbone, for
like-for-like comparisons with InceptionNeXt and ConvNeSt: the same heads and schedules on a
maintained ConvNeXt implementation, timm's, rather than a copy of ConvNeXt's code.

This file holds the :class:`TimmConvNeXt` backbone (registered in MMSegmentation and
MMDetection). The key conversion of the official facebookresearch checkpoint layout onto
timm's (with timm's own ``checkpoint_filter_fn``) is pure code in
:mod:`mmseg_inceptionnext.models.convnext_keys`.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import timm
import torch
from mmengine.model import BaseModule

from ..models import resolve_out_indices
from ..models.base import check_image_batch
from ..models.checkpoint import (
    DEFAULT_DOWNLOAD_TIMEOUT,
    CheckpointError,
    StateDict,
    _sample,
    check_state_dict,
    describe_layout,
    extract_state_dict,
    read_checkpoint,
    to_backbone_state_dict,
)
from ..models.convnext_keys import convnext_archs, convnext_to_timm_keys
from .backbones import FrozenStagesMixin, check_init_cfg, init_from_pretrained, norm_factory
from .registry import register_backbone

ConfigType = Dict[str, Any]
#: Keys of timm's ConvNeXt that a headless backbone never has: classifier head, final norm.
_HEAD_PREFIXES = ('head.', 'norm_pre.')


@register_backbone
class TimmConvNeXt(FrozenStagesMixin, BaseModule):
    """ConvNeXt backbone for MMSegmentation and MMDetection, built on timm's ConvNeXt.

    Liu et al., "A ConvNet for the 2020s", CVPR 2022. The network is
    ``timm.create_model(f'convnext_{arch}')`` with its classifier head, its final norm
    and the stages after the last returned one removed (so that DDP finds no unused
    parameters); as in ConvNeXt's own dense-prediction backbone, a norm can be added
    on each returned stage (``norm{i}``). Returned maps have strides 4, 8, 16, 32;
    sizes that are not multiples of the stride are floored, as in timm and the
    official code.

    Stage-wise lr decay is not supported: this package's
    ``StagedLRDecayOptimizerConstructor`` raises for this backbone, and MMSegmentation's
    ``LearningRateDecayOptimizerConstructor`` expects mmpretrain's parameter names.

    Args:
        arch: Size, picking timm's ``convnext_{arch}``: 'atto', 'femto', 'pico', 'nano',
            'tiny', 'small', 'base', 'large', ... Default: 'tiny'.
        in_channels: Input channels. Default: 3.
        out_indices: Stages to return, negatives allowed. Default: all four.
        drop_path_rate: Peak stochastic depth (timm's per-block ramp). Default: 0.
        layer_scale_init_value: Initial layer scale; ``None`` for none. Default: 1e-6.
        out_norm_cfg: Norm added on each returned stage; ``None`` for none. Default:
            LayerNorm over channels, eps 1e-6, as ConvNeXt's segmentation/detection code.
        frozen_stages: -1 trains everything; 0 freezes the stem; k freezes the stem and
            stages 0..k-1 (as InceptionNeXt and ConvNeSt). Default: -1.
        norm_eval: Keep every BatchNorm in eval mode while training (ConvNeXt's own norms
            are LayerNorms, so only BN output norms are affected). Default: False.
        with_cp: Activation checkpointing of every block (timm's). Default: False.
        init_cfg: e.g. ``dict(type='Pretrained', checkpoint='convnext_tiny_1k_224.pth')``
            (also ``prefix``, ``map_location``, ``unsafe_pickle``). Official and timm
            checkpoints load strictly, head and final norm dropped; the ``norm{i}`` output
            norms keep their initialisation unless the checkpoint has them.
    """

    #: Environment variable the baseline configs read the directory of weights from.
    pretrained_env = 'CONVNEXT_CKPT_DIR'

    def __init__(self, arch: str = 'tiny', in_channels: int = 3,
                 out_indices: Union[int, Sequence[int]] = (0, 1, 2, 3),
                 drop_path_rate: float = 0.0, layer_scale_init_value: Optional[float] = 1e-6,
                 out_norm_cfg: Optional[ConfigType] = dict(type='ChannelsFirstLN', eps=1e-6),
                 frozen_stages: int = -1, norm_eval: bool = False, with_cp: bool = False,
                 init_cfg: Optional[Union[ConfigType, List[ConfigType]]] = None) -> None:
        valid = convnext_archs()
        if arch not in valid:
            raise ValueError(f'Unknown ConvNeXt arch {arch!r}; valid names (timm '
                             f'{timm.__version__} convnext_<arch>): {valid}.')
        if not isinstance(in_channels, int) or in_channels < 1:
            raise ValueError(f'in_channels must be a positive int, got {in_channels!r}.')
        if not 0.0 <= drop_path_rate < 1.0:
            raise ValueError(f'drop_path_rate must be in [0, 1), got {drop_path_rate}.')
        check_init_cfg(init_cfg)
        out_norm = norm_factory(out_norm_cfg)
        super().__init__(init_cfg=init_cfg)
        self.arch = arch
        self.in_channels = in_channels
        self.out_indices = resolve_out_indices(out_indices)
        self.model = timm.create_model(f'convnext_{arch}', pretrained=False, num_classes=0,
                                       in_chans=in_channels, drop_path_rate=drop_path_rate,
                                       ls_init_value=layer_scale_init_value)
        if not all(hasattr(self.model, f) for f in ('forward_intermediates',
                                                    'prune_intermediate_layers')):
            raise RuntimeError(f'TimmConvNeXt needs timm\'s forward_intermediates API, which '
                               f'timm {timm.__version__} lacks; upgrade timm '
                               f'(pip install -U timm; tested with timm 1.0.31).')
        self.depths: Tuple[int, ...] = tuple(len(s.blocks) for s in self.model.stages)
        self.dims: Tuple[int, ...] = tuple(f['num_chs'] for f in self.model.feature_info)
        self.model.prune_intermediate_layers(list(self.out_indices), prune_norm=True,
                                             prune_head=True)
        self.out_channels = [self.dims[i] for i in self.out_indices]
        self.has_out_norms = out_norm is not None
        if out_norm is not None:
            for i in self.out_indices:
                self.add_module(f'norm{i}', out_norm(self.dims[i]))
        self.with_cp = with_cp
        self.model.set_grad_checkpointing(with_cp)
        if with_cp and not all(getattr(s, 'grad_checkpointing', False)
                               for s in self.model.stages):
            raise NotImplementedError(f'with_cp=True: timm {timm.__version__} ConvNeXt stages '
                                      f'have no grad_checkpointing switch; use with_cp=False.')
        self._set_freezing(frozen_stages, norm_eval)

    def stage_modules(self) -> List[torch.nn.Module]:
        """timm's stem, then the stages kept after pruning."""
        return [self.model.stem, *self.model.stages]

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """Return the outputs of the stages in ``out_indices``, in stage order (NCHW)."""
        check_image_batch(x, self.in_channels, type(self).__name__)
        need = 2**(self.out_indices[-1] + 2)
        if min(x.shape[2:]) < need:
            raise ValueError(f'{type(self).__name__} needs inputs of at least {need}x{need} '
                             f'pixels to return stage {self.out_indices[-1]} (stride {need}), '
                             f'got {tuple(x.shape)}.')
        feats = self.model.forward_intermediates(x, indices=list(self.out_indices),
                                                 intermediates_only=True)
        if self.has_out_norms:
            feats = [getattr(self, f'norm{i}')(f) for i, f in zip(self.out_indices, feats)]
        return tuple(feats)

    def init_weights(self) -> None:
        """Load ``init_cfg=dict(type='Pretrained', checkpoint=...)`` strictly, or defer to
        mmengine for any other ``init_cfg``."""
        if not init_from_pretrained(self, self.load_checkpoint):
            super().init_weights()

    def _split_checkpoint(self, state_dict: Mapping[str, torch.Tensor],
                          prefix: Optional[str]) -> Tuple[StateDict, StateDict]:
        """A checkpoint's tensors as (timm ``ConvNeXt`` keys without head and final norm,
        other keys of this backbone's own layout such as ``norm{i}.*``)."""
        sd = to_backbone_state_dict(state_dict, prefix)
        extra = OrderedDict()
        if any(k.startswith('model.') for k in sd):  # this backbone's own layout
            extra = OrderedDict((k, v) for k, v in sd.items() if not k.startswith('model.'))
            sd = OrderedDict((k[len('model.'):], v) for k, v in sd.items()
                             if k.startswith('model.'))
        sd = convnext_to_timm_keys(sd, self.model.state_dict())
        return OrderedDict((k, v) for k, v in sd.items() if not k.startswith(_HEAD_PREFIXES)), extra

    def checkpoint_to_own_keys(self, state_dict: Mapping[str, torch.Tensor],
                               prefix: Optional[str] = None) -> StateDict:
        """Map a checkpoint's tensors onto this module's key names (``model.*``, ``norm{i}.*``).

        Accepts the official release, timm's layout and this backbone's own (e.g. inside an
        OpenMMLab checkpoint; a ``backbone.`` prefix is detected). Drops the classifier head,
        the final norm and the stages after the last returned one; keeps every other key, so
        that :meth:`load_checkpoint` reports it. The input is not modified.

        Args:
            state_dict: Unwrapped checkpoint tensors.
            prefix: Sub-tree to keep (``None``: ``backbone.`` when present).

        Returns:
            A new dict in this module's key names.
        """
        timm_sd, extra = self._split_checkpoint(state_dict, prefix)
        pruned = tuple(f'stages.{i}.' for i in range(self.out_indices[-1] + 1, len(self.dims)))
        sd = OrderedDict((f'model.{k}', v) for k, v in timm_sd.items()
                         if not k.startswith(pruned))
        sd.update(extra)
        return sd

    def load_checkpoint(self, checkpoint: str, *, prefix: Optional[str] = None,
                        map_location: Any = 'cpu', unsafe_pickle: bool = False,
                        download_timeout: float = DEFAULT_DOWNLOAD_TIMEOUT) -> StateDict:
        """Load an official or timm ConvNeXt checkpoint strictly, or raise without touching
        the model.

        Args:
            checkpoint: Path or URL (``.pth``, ``.bin``, ``.safetensors``).
            prefix: Sub-tree of the checkpoint to load (``None``: detect ``backbone.``).
            map_location: Passed to ``torch.load``.
            unsafe_pickle: Allow pickled objects beyond tensors (trusted files only).
            download_timeout: Seconds a URL download may wait for the server.

        Returns:
            The state dict that was loaded, in this module's key names.

        Raises:
            CheckpointError: When the file cannot be read or does not fit; the message
                lists mismatched, missing and unexpected keys with shapes.
        """
        raw = extract_state_dict(read_checkpoint(checkpoint, map_location=map_location,
                                                 unsafe_pickle=unsafe_pickle,
                                                 download_timeout=download_timeout))
        sd = self.checkpoint_to_own_keys(raw, prefix)
        own = self.state_dict()
        name = f'{type(self).__name__}(arch={self.arch!r})'
        if not any(k in own for k in sd):
            raise CheckpointError(f'Checkpoint {checkpoint!r} holds no ConvNeXt backbone '
                                  f'weights for {name}: none of its keys matches. Its keys look '
                                  f'like {_sample(raw)}; expected keys like {_sample(own)} (or '
                                  f'the same without "model.", or the official release\'s '
                                  f'downsample_layers.* / stages.i.j.*).')
        optional = tuple(f'norm{i}.' for i in self.out_indices) if self.has_out_norms else ()
        problems = check_state_dict(self, sd, optional_prefixes=optional)
        if problems:
            layout = describe_layout(self._split_checkpoint(raw, prefix)[0])
            raise CheckpointError(
                f'Checkpoint {checkpoint!r} does not fit {name} (nothing was loaded). The '
                f'checkpoint has {layout}; convnext_{self.arch} has '
                f'depths={self.depths}, dims={self.dims}. Pick the arch the checkpoint was '
                f'trained with (one of {convnext_archs()}), or the checkpoint of this arch.\n  '
                + '\n  '.join(problems))
        self.load_state_dict(sd, strict=False)
        return sd


__all__ = ['TimmConvNeXt', 'convnext_archs', 'convnext_to_timm_keys']  # the two from models/
