"""OpenMMLab backbones: the pure networks of :mod:`mmseg_inceptionnext.models` with
MMSegmentation / MMDetection's backbone contract (``init_cfg``, ``frozen_stages``,
``norm_eval``, ``with_cp``, config-dict norms), registered in both toolboxes.

One class per family serves MMSegmentation and MMDetection alike.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence, Union

from mmcv.cnn import build_norm_layer
from mmengine.logging import MMLogger, print_log
from mmengine.model import BaseModule
from mmengine.registry import MODELS
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from ..models import (
    DEFAULT_DOWNLOAD_TIMEOUT,
    NUM_STAGES,
    CheckpointDownloadError,
    ConvNeStNet,
    InceptionNeXtNet,
    load_backbone_weights,
)
from ..models.contract import require_backbone
from ..models.download import HF_HUB_PREFIX
from .registry import register_backbone, register_norm_layers

register_norm_layers()

ConfigType = Dict[str, Any]
_PRETRAINED_KEYS = {'type', 'checkpoint', 'prefix', 'map_location', 'unsafe_pickle',
                    'download_timeout'}


def norm_factory(norm_cfg: Optional[ConfigType]) -> Optional[Callable[[int], nn.Module]]:
    """Translate an mmcv ``norm_cfg`` dict into a ``channels -> module`` factory.

    Args:
        norm_cfg: e.g. ``dict(type='SyncBN', requires_grad=True)``, or ``None``.

    Returns:
        The factory, or ``None`` when ``norm_cfg`` is ``None``.
    """
    if norm_cfg is None:
        return None
    if not isinstance(norm_cfg, dict) or 'type' not in norm_cfg:
        raise ValueError(f"norm_cfg must be a dict with a 'type' key such as dict(type='BN'), "
                         f'got {norm_cfg!r}.')
    cfg = dict(norm_cfg)
    if isinstance(cfg['type'], str) and MODELS.get(cfg['type']) is None:
        raise ValueError(f"Unknown norm type {cfg['type']!r} in {norm_cfg}; use one of mmcv's "
                         f"norms such as 'BN', 'SyncBN', 'GN', 'LN', 'IN', or this package's "
                         f"'ChannelsFirstLN' (LayerNorm over the channels of NCHW maps).")
    build_norm_layer(cfg, 8)  # fail here, at construction, on bad norm arguments

    def factory(channels: int) -> nn.Module:
        return build_norm_layer(cfg, channels)[1]

    return factory


class FrozenStagesMixin:
    """``frozen_stages`` and ``norm_eval``, MMSegmentation's and MMDetection's contract, for
    any backbone that lists its stem and stages in :meth:`stage_modules`: -1 trains
    everything, 0 freezes the stem, k the stem and stages 0..k-1 (eval mode, no gradients,
    also after ``train()``); ``norm_eval`` keeps every BatchNorm in eval mode."""

    frozen_stages: int = -1
    norm_eval: bool = False

    def _set_freezing(self, frozen_stages: int, norm_eval: bool) -> None:
        if not isinstance(frozen_stages, int) or not -1 <= frozen_stages <= NUM_STAGES:
            raise ValueError(f'frozen_stages must be an int in [-1, {NUM_STAGES}] (-1: train '
                             f'everything, 0: freeze the stem, k: the stem and stages 0..k-1), '
                             f'got {frozen_stages!r}.')
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        self._freeze_stages()

    def _freeze_stages(self) -> None:
        for module in self.stage_modules()[:self.frozen_stages + 1]:
            module.eval()
            for param in module.parameters():
                param.requires_grad = False

    def train(self, mode: bool = True):
        """Set train mode, keeping frozen stages (and, with ``norm_eval``, every BN) in eval."""
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for module in self.modules():
                if isinstance(module, _BatchNorm):
                    module.eval()
        return self


class OpenMMLabBackboneMixin(FrozenStagesMixin):
    """The OpenMMLab side of every backbone of this package: ``init_cfg`` (a Pretrained
    checkpoint loaded strictly by the one loader,
    :func:`~mmseg_inceptionnext.models.checkpoint.load_backbone_weights`), ``frozen_stages``,
    ``norm_eval`` and ``with_cp``.

    Subclasses list it first and ``BaseModule`` last, with the network in between (a
    :class:`~mmseg_inceptionnext.models.StagedBackbone`, or an ``nn.Module`` with the same
    ``stem``/``stages``, ``set_grad_checkpointing`` and ``checkpoint_format``, as
    ``TimmConvNeXt``), and call :meth:`_setup_openmmlab` at the end of ``__init__``.
    """

    #: Environment variable our configs read the directory of pretrained weights from.
    pretrained_env = 'INCEPTIONNEXT_CKPT_DIR'

    def _setup_openmmlab(self, *, frozen_stages: int, norm_eval: bool, with_cp: bool,
                         init_cfg: Optional[Union[ConfigType, List[ConfigType]]]) -> None:
        require_backbone(self, type(self).__name__)
        check_init_cfg(init_cfg)
        self.init_cfg = init_cfg
        self.with_cp = with_cp
        self.set_grad_checkpointing(with_cp)
        self._set_freezing(frozen_stages, norm_eval)

    def init_weights(self) -> None:
        """Load ``init_cfg=dict(type='Pretrained', checkpoint=...)`` strictly, or defer to
        mmengine for any other ``init_cfg``.

        The Pretrained dict accepts ``checkpoint``, ``prefix`` (default: ``backbone.``
        when present), ``map_location``, ``unsafe_pickle`` (default False) and
        ``download_timeout`` (seconds, for URLs and hub names). ``checkpoint`` is a local
        ``.pth``/``.bin``/``.safetensors`` file, an ``http(s)://`` URL, or a timm hub name
        such as ``hf-hub:timm/inception_next_tiny.sail_in1k`` (read from the Hugging Face
        hub cache, ``$HF_HUB_CACHE``, and fetched into it when missing and online).
        """
        cfg = self.init_cfg
        if not (isinstance(cfg, dict) and cfg.get('type') == 'Pretrained'):
            super().init_weights()
            return
        try:
            load_backbone_weights(
                self, cfg['checkpoint'], prefix=cfg.get('prefix'),
                map_location=cfg.get('map_location', 'cpu'),
                unsafe_pickle=cfg.get('unsafe_pickle', False),
                download_timeout=cfg.get('download_timeout', DEFAULT_DOWNLOAD_TIMEOUT))
        except (CheckpointDownloadError, FileNotFoundError) as exc:
            # the message holds the cause; the chain of urllib tracebacks would only bury it
            raise type(exc)(unavailable_weights_message(self, cfg['checkpoint'], exc)) from None
        print_log(f"{type(self).__name__}: loaded all backbone weights from {cfg['checkpoint']}",
                  logger=MMLogger.get_current_instance())
        self._is_init = True


def unavailable_weights_message(module: BaseModule, checkpoint: str, exc: Exception) -> str:
    """The error for pretrained weights that cannot be fetched or found: the cause, the
    file name expected, and both fixes (the directory variable our configs read, or a
    ``--cfg-options`` path for one run).

    Args:
        module: The backbone (its ``pretrained_env`` names the variable).
        checkpoint: The ``init_cfg`` checkpoint (path, URL or hub name).
        exc: The download or file error.

    Returns:
        The message.
    """
    import os.path as osp
    name = getattr(exc, 'file_name', '') or osp.basename(str(checkpoint)) or 'the checkpoint'
    env = getattr(module, 'pretrained_env', None)
    # our configs join the variable's directory with a release file name: no hub name
    hub = str(checkpoint).startswith(HF_HUB_PREFIX)
    first = (f'put {name} in a directory and set {env}=/path/to/that/directory (read by every '
             f'config of this package), or ' if env and not hub else '')
    return (f'{type(module).__name__} cannot load its pretrained weights: {exc}\n'
            f'Fix: {first}pass --cfg-options model.backbone.init_cfg.checkpoint=/path/to/{name} '
            f'for this run (model.backbone.init_cfg=None trains from scratch).')


def check_init_cfg(init_cfg: Any) -> None:
    cfgs = init_cfg if isinstance(init_cfg, list) else [init_cfg]
    for cfg in cfgs:
        if not isinstance(cfg, dict) or cfg.get('type') != 'Pretrained':
            continue
        if isinstance(init_cfg, list):
            raise ValueError('Give a Pretrained init_cfg as a single dict, not inside a list, so '
                             'that it is loaded strictly.')
        if 'checkpoint' not in cfg:
            raise ValueError("init_cfg=dict(type='Pretrained') needs checkpoint=<path, URL or "
                             "hf-hub:ORG/NAME>.")
        unknown = sorted(set(cfg) - _PRETRAINED_KEYS)
        if unknown:
            raise ValueError(f'Unknown key(s) {unknown} in the Pretrained init_cfg; valid keys '
                             f'are {sorted(_PRETRAINED_KEYS)}.')


@register_backbone
class InceptionNeXt(OpenMMLabBackboneMixin, InceptionNeXtNet, BaseModule):
    """InceptionNeXt backbone for MMSegmentation and MMDetection.

    Yu et al., "InceptionNeXt: When Inception Meets ConvNeXt", CVPR 2024.

    Args:
        arch: 'atto', 'tiny', 'small', 'base', or a dict with ``depths``, ``dims``,
            ``band_kernel_size``, ``branch_ratio`` (optional ``square_kernel_size``,
            ``mlp_ratios``). Default: 'tiny'.
        in_channels: Input channels. Default: 3.
        out_indices: Stages to return, negatives allowed. Default: all four.
        drop_path_rate: Peak stochastic depth, ramped linearly over all blocks.
        layer_scale_init_value: Initial layer scale. Default: 1e-6.
        norm_cfg: Norm of stem, downsamples and blocks. Default: BN (configs use SyncBN).
        out_norm_cfg: Norm added on each returned stage, as the authors advise for
            dense prediction; ``None`` for none. Default: None.
        frozen_stages: -1 trains everything; 0 freezes the stem; k freezes the stem and
            stages 0..k-1 (no gradients, BN in eval). Default: -1.
        norm_eval: Keep every BatchNorm in eval mode while training. Default: False.
        with_cp: Activation checkpointing of every block. Default: False.
        init_cfg: e.g. ``dict(type='Pretrained', checkpoint='inceptionnext_tiny.pth')``,
            or ``checkpoint='hf-hub:timm/inception_next_tiny.sail_in1k'`` (timm's weights on
            the Hugging Face hub; see :meth:`init_weights` for the accepted checkpoints).
    """

    def __init__(self, arch: Union[str, ConfigType] = 'tiny', in_channels: int = 3,
                 out_indices: Union[int, Sequence[int]] = (0, 1, 2, 3),
                 drop_path_rate: float = 0.0, layer_scale_init_value: Optional[float] = 1e-6,
                 norm_cfg: ConfigType = dict(type='BN', requires_grad=True),
                 out_norm_cfg: Optional[ConfigType] = None, frozen_stages: int = -1,
                 norm_eval: bool = False, with_cp: bool = False,
                 init_cfg: Optional[Union[ConfigType, List[ConfigType]]] = None) -> None:
        super().__init__(arch, in_channels=in_channels, out_indices=out_indices,
                         drop_path_rate=drop_path_rate,
                         layer_scale_init_value=layer_scale_init_value,
                         norm_layer=norm_factory(norm_cfg),
                         out_norm_layer=norm_factory(out_norm_cfg))
        self._setup_openmmlab(frozen_stages=frozen_stages, norm_eval=norm_eval, with_cp=with_cp,
                              init_cfg=init_cfg)


@register_backbone
class ConvNeSt(OpenMMLabBackboneMixin, ConvNeStNet, BaseModule):
    """ConvNeSt backbone for MMSegmentation and MMDetection.

    "Convolution on your 12x wide feature: a ConvNet with nested design" (ConvNeSt).
    No official code exists; ``docs/convnest.md`` documents our reading of the paper
    and the checkpoint key layout.

    Args:
        arch: 'atto', 'femto', 'pico', 'nano', 'tiny', 'small', 'base', or a dict with
            ``depths``, ``dims`` (optional ``expand_ratio``, ``kernel_size``).
            Default: 'tiny'.
        in_channels: Input channels. Default: 3.
        out_indices: Stages to return, negatives allowed. Default: all four.
        drop_path_rate: Peak stochastic depth, ramped linearly over all blocks.
        norm_cfg: Norm of stem, downsamples and blocks. Default: LayerNorm over
            channels with eps 1e-6 (``ChannelsFirstLN``), as in the paper.
        out_norm_cfg: Norm added on each returned stage; ``None`` for none.
        frozen_stages: -1 trains everything; 0 freezes the stem; k freezes the stem and
            stages 0..k-1. Default: -1.
        norm_eval: Keep every BatchNorm in eval mode while training (only matters
            with a BN ``norm_cfg``). Default: False.
        with_cp: Activation checkpointing of every block. Default: False.
        init_cfg: e.g. ``dict(type='Pretrained', checkpoint='convnest_tiny.pth')``.
    """

    pretrained_env = 'CONVNEST_CKPT_DIR'

    def __init__(self, arch: Union[str, ConfigType] = 'tiny', in_channels: int = 3,
                 out_indices: Union[int, Sequence[int]] = (0, 1, 2, 3),
                 drop_path_rate: float = 0.0,
                 norm_cfg: ConfigType = dict(type='ChannelsFirstLN', eps=1e-6),
                 out_norm_cfg: Optional[ConfigType] = None, frozen_stages: int = -1,
                 norm_eval: bool = False, with_cp: bool = False,
                 init_cfg: Optional[Union[ConfigType, List[ConfigType]]] = None) -> None:
        super().__init__(arch, in_channels=in_channels, out_indices=out_indices,
                         drop_path_rate=drop_path_rate, norm_layer=norm_factory(norm_cfg),
                         out_norm_layer=norm_factory(out_norm_cfg))
        self._setup_openmmlab(frozen_stages=frozen_stages, norm_eval=norm_eval, with_cp=with_cp,
                              init_cfg=init_cfg)
