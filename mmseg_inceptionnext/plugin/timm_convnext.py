"""ConvNeXt (Liu et al., "A ConvNet for the 2020s", CVPR 2022) as an OpenMMLab backbone, for
like-for-like comparisons with InceptionNeXt and ConvNeSt: the same heads and schedules on a
maintained ConvNeXt implementation, timm's, rather than a copy of ConvNeXt's code.

This file holds the :class:`TimmConvNeXt` backbone (registered in MMSegmentation and
MMDetection). It shares the backbone contract of InceptionNeXt and ConvNeSt: the OpenMMLab
side (``init_cfg``, ``frozen_stages``, ``norm_eval``, ``with_cp``), the output norms
(:class:`~mmseg_inceptionnext.models.base.OutputNorms`) and the one checkpoint loader, to
which it adds only its :meth:`TimmConvNeXt.checkpoint_format`. The key conversion of the
official facebookresearch layout onto timm's (with timm's own ``checkpoint_filter_fn``) is
pure code in :mod:`mmseg_inceptionnext.models.convnext_keys`.
"""
from __future__ import annotations

from functools import partial
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import timm
import torch
from mmengine.model import BaseModule

from ..models import resolve_out_indices
from ..models.base import OutputNorms, check_image_batch
from ..models.checkpoint import CheckpointFormat
from ..models.convnext_keys import convnext_archs, convnext_backbone_keys, convnext_to_timm_keys
from .backbones import OpenMMLabBackboneMixin, norm_factory
from .registry import register_backbone

ConfigType = Dict[str, Any]


@register_backbone
class TimmConvNeXt(OpenMMLabBackboneMixin, OutputNorms, BaseModule):
    """ConvNeXt backbone for MMSegmentation and MMDetection, built on timm's ConvNeXt.

    Liu et al., "A ConvNet for the 2020s", CVPR 2022. The network is
    ``timm.create_model(f'convnext_{arch}')`` with its classifier head, its final norm
    and the stages after the last returned one removed (so that DDP finds no unused
    parameters); as in ConvNeXt's own dense-prediction backbone, a norm can be added
    on each returned stage (``norm{i}``). Returned maps have strides 4, 8, 16, 32;
    sizes that are not multiples of the stride are floored, as in timm and the
    official code.

    Layer- and stage-wise lr decay: this package's ``StagedLRDecayOptimizerConstructor``
    (ConvNeXt's rule, places from :meth:`stage_modules`); MMSegmentation's and MMDetection's
    ``LearningRateDecayOptimizerConstructor`` expect mmpretrain's parameter names instead.

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
            (also ``prefix``, ``map_location``, ``unsafe_pickle``, ``download_timeout``,
            as the other backbones). Official and timm checkpoints load strictly, head and
            final norm dropped; the ``norm{i}`` output norms keep their initialisation
            unless the checkpoint has them.
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
        out_norm = norm_factory(out_norm_cfg)
        super().__init__(init_cfg=init_cfg)
        self.arch = arch
        self.in_channels = in_channels
        out_indices = resolve_out_indices(out_indices)
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
        self.model.prune_intermediate_layers(list(out_indices), prune_norm=True,
                                             prune_head=True)
        self._init_outputs(out_indices, out_norm)
        self._setup_openmmlab(frozen_stages=frozen_stages, norm_eval=norm_eval, with_cp=with_cp,
                              init_cfg=init_cfg)

    def set_grad_checkpointing(self, enable: bool = True) -> None:
        """Recompute each block's activations in the backward pass (timm's switch)."""
        self.model.set_grad_checkpointing(enable)
        if enable and not all(getattr(s, 'grad_checkpointing', False)
                              for s in self.model.stages):
            raise NotImplementedError(f'with_cp=True: timm {timm.__version__} ConvNeXt stages '
                                      f'have no grad_checkpointing switch; use with_cp=False.')

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
        return self._norm_outputs(feats)

    def checkpoint_format(self) -> CheckpointFormat:
        """How the shared loader reads official, timm and this backbone's own checkpoints:
        the ConvNeXt key conversion, the output norms optional, pruned stages unused."""
        pruned = range(self.out_indices[-1] + 1, len(self.dims))
        return CheckpointFormat(
            convert=partial(convnext_backbone_keys, timm_state=self.model.state_dict()),
            optional_prefixes=self.out_norm_prefixes(),
            unused_prefixes=tuple(f'model.stages.{i}.' for i in pruned),
            family='ConvNeXt', model_name=f'{type(self).__name__}(arch={self.arch!r})',
            model_layout=f'convnext_{self.arch} has depths={self.depths}, dims={self.dims}',
            archs=tuple(convnext_archs()),
            other_layouts=' (or the same without "model.", or the official release\'s '
                          'downsample_layers.* / stages.i.j.*)')


__all__ = ['TimmConvNeXt', 'convnext_archs', 'convnext_to_timm_keys']  # the two from models/
