"""ConvNeXt's layer-/stage-wise learning-rate decay on the three backbone families: the ids of
real parameters, the constructor's groups, and parity with MMSegmentation's and MMDetection's
own LearningRateDecayOptimizerConstructor on the same parameters in mmpretrain's names."""
import re

import pytest
import torch
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from torch import nn

import mmseg_inceptionnext  # noqa: F401
from mmseg_inceptionnext.plugin.optim import STEM, backbone_places, layer_id

ARCH = dict(depths=(1, 2, 2, 1), dims=(8, 16, 24, 32), band_kernel_size=3, branch_ratio=0.25)
#: Stage 2 with ConvNeXt-T's 9 blocks, where upstream's rule (three blocks an id) applies.
ARCH9 = dict(depths=(1, 1, 9, 1), dims=(8, 16, 24, 32), band_kernel_size=3, branch_ratio=0.25)
CONVNEST9 = dict(depths=(1, 1, 9, 1), dims=(8, 16, 24, 32))
BACKBONES = {
    'InceptionNeXt': dict(type='InceptionNeXt', arch=ARCH9, out_norm_cfg=dict(type='BN')),
    'ConvNeSt': dict(type='ConvNeSt', arch=CONVNEST9),
    'TimmConvNeXt': dict(type='TimmConvNeXt', arch='tiny'),
}


def _segmentor(backbone=None, in_channels=32):
    from mmseg.registry import MODELS
    init_default_scope('mmseg')
    backbone = backbone or dict(type='InceptionNeXt', arch=ARCH, out_norm_cfg=dict(type='BN'))
    return MODELS.build(dict(
        type='EncoderDecoder', backbone=backbone,
        decode_head=dict(type='FCNHead', in_channels=in_channels, in_index=3, channels=8,
                         num_classes=3)))


def _wrapper(model, lr=1e-3, **paramwise):
    return build_optim_wrapper(model, dict(
        type='OptimWrapper', optimizer=dict(type='AdamW', lr=lr, weight_decay=0.05),
        constructor='StagedLRDecayOptimizerConstructor', paramwise_cfg=paramwise))


def _by_param(groups):
    return {id(p): g for g in groups for p in g['params']}


def test_places_and_layer_ids_on_real_names():
    model = _segmentor()
    places, depths = backbone_places(model.backbone)
    assert depths == ARCH['depths']
    params = dict(model.named_parameters())

    def ids(decay_type):
        return {n: layer_id(places.get(id(p)), depths, decay_type, 6) for n, p in params.items()}

    lw = ids('layer_wise')
    assert places[id(params['backbone.stem.0.weight'])] == (STEM, None)
    assert places[id(params['backbone.stages.1.downsample.1.weight'])] == (1, None)
    assert places[id(params['backbone.stages.2.blocks.1.mlp.fc1.weight'])] == (2, 1)
    assert lw['backbone.stem.0.weight'] == 0
    assert lw['backbone.stages.0.blocks.0.mlp.fc1.weight'] == 1
    assert lw['backbone.stages.1.downsample.1.weight'] == 2
    assert lw['backbone.stages.1.blocks.1.token_mixer.dwconv_w.weight'] == 2
    # stage 2's 2 blocks spread over ids 3..5: block j -> 3 + j * 3 // 2
    assert lw['backbone.stages.2.downsample.1.weight'] == 3
    assert lw['backbone.stages.2.blocks.0.gamma'] == 3
    assert lw['backbone.stages.2.blocks.1.gamma'] == 4
    assert lw['backbone.stages.3.blocks.0.gamma'] == 6
    # output norms, like the head, are outside the stages: the full lr, as upstream
    assert lw['backbone.norm2.weight'] == lw['decode_head.conv_seg.weight'] == 7
    assert all(lw[n] < 7 for n in params if n.startswith('backbone.stages.'))
    sw = ids('stage_wise')
    assert sw['backbone.stem.0.weight'] == sw['backbone.stages.2.downsample.1.weight'] == 0
    assert sw['backbone.stages.2.blocks.1.mlp.fc2.bias'] == 3
    assert sw['backbone.norm3.weight'] == sw['decode_head.conv_seg.weight'] == 7


def test_stage_two_blocks_spread_evenly_over_the_ids():
    """ConvNeSt-T's 14 blocks over N - 3 = 3 ids: 5, 5 and 4 blocks; 27 blocks over 9 ids
    (S/B, N = 12): three blocks an id, as upstream."""
    ids = [layer_id((2, j), (3, 3, 14, 3), 'layer_wise', 6) for j in range(14)]
    assert ids == [3] * 5 + [4] * 5 + [5] * 4
    ids = [layer_id((2, j), (3, 3, 27, 3), 'layer_wise', 12) for j in range(27)]
    assert ids == [3 + j // 3 for j in range(27)]


@pytest.mark.parametrize('decay_type,expected_groups', [('layer_wise', 7), ('stage_wise', 6)])
def test_constructor_scales_lr_and_skips_decay_on_1d(decay_type, expected_groups):
    model = _segmentor()
    wrapper = _wrapper(model, decay_rate=0.5, decay_type=decay_type, num_layers=6)
    groups = wrapper.optimizer.param_groups
    by_param = _by_param(groups)
    params = dict(model.named_parameters())
    assert sum(len(g['params']) for g in groups) == len(params)
    stem = by_param[id(params['backbone.stem.0.weight'])]
    head = by_param[id(params['decode_head.conv_seg.weight'])]
    assert head['lr'] == pytest.approx(1e-3) and head['weight_decay'] == 0.05
    assert stem['lr'] == pytest.approx(1e-3 * 0.5**7)
    assert by_param[id(params['backbone.stem.0.bias'])]['weight_decay'] == 0.0
    assert by_param[id(params['backbone.stages.0.blocks.0.gamma'])]['weight_decay'] == 0.0
    # layer_wise: ids 0..4 and 6 in the backbone (stage 2's 2 blocks leave 5 empty), 7
    # outside; stage_wise: 0..4 and 7
    assert len({round(g['lr'], 12) for g in groups}) == expected_groups
    # one optimizer step runs
    loss = sum(p.sum() for p in model.parameters())
    loss.backward()
    wrapper.step()


def test_custom_keys_apply_and_must_match():
    model = _segmentor()
    wrapper = _wrapper(model, decay_rate=0.5, decay_type='stage_wise', num_layers=6,
                       custom_keys={'decode_head': dict(lr_mult=0.1, decay_mult=2.0)})
    params = dict(model.named_parameters())
    by_param = _by_param(wrapper.optimizer.param_groups)
    head = by_param[id(params['decode_head.conv_seg.weight'])]
    assert head['lr'] == pytest.approx(1e-4) and head['weight_decay'] == pytest.approx(0.1)
    assert by_param[id(params['backbone.stem.0.weight'])]['weight_decay'] == 0.05
    with pytest.raises(ValueError, match=r"custom_keys \['pos_embed'\] match no trainable"):
        _wrapper(model, decay_rate=0.9, num_layers=6, custom_keys={'pos_embed': dict(decay_mult=0)})


def test_constructor_rejects_bad_settings():
    model = _segmentor()
    for paramwise, error in [
            (dict(decay_rate=0.9, num_layer=6), r"unknown \['num_layer'\]"),
            (dict(decay_rate=1.5, num_layers=6), r'decay_rate must be in \(0, 1\]'),
            (dict(decay_rate=0.9, decay_type='block_wise', num_layers=6), 'decay_type must be'),
            (dict(decay_rate=0.9), r'num_layers must be an int >= 4.*got None'),
            (dict(decay_rate=0.9, num_layers=3), r'num_layers must be an int >= 4.*got 3')]:
        with pytest.raises(ValueError, match=error):
            _wrapper(model, **paramwise)
    model.backbone = torch.nn.Conv2d(3, 3, 1)
    with pytest.raises(TypeError, match='InceptionNeXt, ConvNeSt or TimmConvNeXt'):
        _wrapper(model, decay_rate=0.9, num_layers=6)


def test_frozen_stages_are_left_out():
    model = _segmentor(dict(type='InceptionNeXt', arch=ARCH, frozen_stages=1))
    groups = _wrapper(model, decay_rate=0.9, num_layers=6).optimizer.param_groups
    trainable = [p for p in model.parameters() if p.requires_grad]
    assert sum(len(g['params']) for g in groups) == len(trainable) < len(list(model.parameters()))


# ---- parity with MMSegmentation's and MMDetection's constructor ----

class ConvNeXt(nn.Module):
    """Stands in for mmpretrain's ConvNeXt: upstream's constructor checks the class name."""


def _mmpretrain_name(name):
    """This package's backbone parameter names in mmpretrain ConvNeXt's layout."""
    name = re.sub(r'^backbone\.model\.', 'backbone.', name)  # TimmConvNeXt wraps timm's model
    name = re.sub(r'^backbone\.stem\.', 'backbone.downsample_layers.0.', name)
    name = re.sub(r'^backbone\.stages\.(\d)\.downsample\.', r'backbone.downsample_layers.\1.', name)
    return re.sub(r'^backbone\.stages\.(\d)\.blocks\.(\d+)\.', r'backbone.stages.\1.\2.', name)


def _in_mmpretrain_names(model):
    """A module holding ``model``'s very parameters under mmpretrain's ConvNeXt names."""
    root = nn.Module()
    for name, param in model.named_parameters():
        *path, leaf = _mmpretrain_name(name).split('.')
        node = root
        for part in path:
            if part not in node._modules:
                node.add_module(part, ConvNeXt() if node is root and part == 'backbone'
                                else nn.Module())
            node = node._modules[part]
        node.register_parameter(leaf, param)
    return root


@pytest.mark.parametrize('family', sorted(BACKBONES))
@pytest.mark.parametrize('toolbox,paramwise', [
    ('mmdet', dict(decay_rate=0.95, decay_type='layer_wise', num_layers=6)),  # Mask R-CNN 3x
    ('mmdet', dict(decay_rate=0.7, decay_type='layer_wise', num_layers=6)),  # Cascade 3x
    ('mmseg', dict(decay_rate=0.9, decay_type='stage_wise', num_layers=6)),  # UperNet T
    ('mmseg', dict(decay_rate=0.9, decay_type='stage_wise', num_layers=12)),  # UperNet S/B
])
def test_same_lr_and_decay_as_upstream_on_convnext_names(family, toolbox, paramwise):
    if toolbox == 'mmdet':
        from mmdet.engine.optimizers import LearningRateDecayOptimizerConstructor
    else:
        from mmseg.engine.optimizers import LearningRateDecayOptimizerConstructor
    in_channels = 768 if family == 'TimmConvNeXt' else 32
    model = _segmentor(BACKBONES[family], in_channels)
    optim_cfg = dict(type='OptimWrapper', optimizer=dict(type='AdamW', lr=1e-4,
                                                         weight_decay=0.05))
    ours = _by_param(_wrapper(model, lr=1e-4, **paramwise).optimizer.param_groups)
    upstream = _by_param(LearningRateDecayOptimizerConstructor(
        optim_cfg, dict(paramwise))(_in_mmpretrain_names(model)).optimizer.param_groups)
    names = {id(p): n for n, p in model.named_parameters()}
    assert set(ours) == set(upstream) == set(names)
    differ = [(names[k], ours[k]['lr'], upstream[k]['lr']) for k in names
              if ours[k]['lr'] != pytest.approx(upstream[k]['lr'], rel=1e-12)
              or ours[k].get('weight_decay') != upstream[k]['weight_decay']]
    assert not differ
    # and the decay does something: the stem trains slower than the head
    stem = next(k for k, n in names.items() if 'stem' in n)
    assert ours[stem]['lr'] < 1e-4 * 0.9**3
