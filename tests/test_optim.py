"""Layer-/stage-wise learning-rate decay on real parameter names of a built segmentor."""
import pytest
import torch
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

import mmseg_inceptionnext  # noqa: F401
from mmseg_inceptionnext.openmmlab.optim import layer_id, num_layer_ids

ARCH = dict(depths=(1, 2, 2, 1), dims=(8, 16, 24, 32), band_kernel_size=3, branch_ratio=0.25)


def _segmentor():
    from mmseg.registry import MODELS
    init_default_scope('mmseg')
    return MODELS.build(dict(
        type='EncoderDecoder',
        backbone=dict(type='InceptionNeXt', arch=ARCH, out_norm_cfg=dict(type='BN')),
        decode_head=dict(type='FCNHead', in_channels=32, in_index=3, channels=8, num_classes=3)))


def test_layer_ids_on_real_names():
    depths = ARCH['depths']
    names = [n for n, _ in _segmentor().named_parameters()]
    ids = {n: layer_id(n, depths, 'layer_wise') for n in names}
    assert ids['backbone.stem.0.weight'] == 0
    assert ids['backbone.stages.0.blocks.0.mlp.fc1.weight'] == 1
    assert ids['backbone.stages.1.downsample.1.weight'] == 2
    assert ids['backbone.stages.1.blocks.1.token_mixer.dwconv_w.weight'] == 3
    assert ids['backbone.stages.3.blocks.0.gamma'] == 6
    assert ids['backbone.norm2.weight'] == 5  # the last block of stage 2
    assert ids['decode_head.conv_seg.weight'] == num_layer_ids(depths, 'layer_wise') - 1 == 7
    # every backbone parameter got a backbone id; ids grow with depth
    assert all(ids[n] < 7 for n in names if n.startswith('backbone.'))
    stage_ids = {n: layer_id(n, depths, 'stage_wise') for n in names}
    assert stage_ids['backbone.stages.2.blocks.1.mlp.fc2.bias'] == 3
    assert stage_ids['decode_head.conv_seg.weight'] == 5
    with pytest.raises(ValueError, match="decay_type must be one of"):
        layer_id('backbone.stem.0.weight', depths, 'block_wise')


@pytest.mark.parametrize('decay_type,expected_groups', [('layer_wise', 8), ('stage_wise', 6)])
def test_constructor_scales_lr_and_skips_decay_on_1d(decay_type, expected_groups):
    model = _segmentor()
    wrapper = build_optim_wrapper(model, dict(
        type='OptimWrapper', optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05),
        constructor='StagedLRDecayOptimizerConstructor',
        paramwise_cfg=dict(decay_rate=0.5, decay_type=decay_type)))
    groups = wrapper.optimizer.param_groups
    last = expected_groups - 1
    by_param = {id(p): g for g in groups for p in g['params']}
    params = dict(model.named_parameters())
    assert sum(len(g['params']) for g in groups) == len(params)
    stem = by_param[id(params['backbone.stem.0.weight'])]
    head = by_param[id(params['decode_head.conv_seg.weight'])]
    assert head['lr'] == pytest.approx(1e-3) and head['weight_decay'] == 0.05
    assert stem['lr'] == pytest.approx(1e-3 * 0.5**last)
    assert by_param[id(params['backbone.stem.0.bias'])]['weight_decay'] == 0.0
    assert by_param[id(params['backbone.stages.0.blocks.0.gamma'])]['weight_decay'] == 0.0
    assert len({round(g['lr'], 12) for g in groups}) == expected_groups
    # one optimizer step runs
    loss = sum(p.sum() for p in model.parameters())
    loss.backward()
    wrapper.step()


def test_custom_keys_apply_and_must_match():
    model = _segmentor()
    wrapper = build_optim_wrapper(model, dict(
        type='OptimWrapper', optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05),
        constructor='StagedLRDecayOptimizerConstructor',
        paramwise_cfg=dict(decay_rate=0.5, decay_type='stage_wise',
                           custom_keys={'decode_head': dict(lr_mult=0.1, decay_mult=2.0)})))
    params = dict(model.named_parameters())
    by_param = {id(p): g for g in wrapper.optimizer.param_groups for p in g['params']}
    head = by_param[id(params['decode_head.conv_seg.weight'])]
    assert head['lr'] == pytest.approx(1e-4) and head['weight_decay'] == pytest.approx(0.1)
    assert by_param[id(params['backbone.stem.0.weight'])]['weight_decay'] == 0.05
    with pytest.raises(ValueError, match=r"custom_keys \['pos_embed'\] match no trainable"):
        build_optim_wrapper(model, dict(
            type='OptimWrapper', optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05),
            constructor='StagedLRDecayOptimizerConstructor',
            paramwise_cfg=dict(decay_rate=0.9, custom_keys={'pos_embed': dict(decay_mult=0)})))


def test_constructor_rejects_bad_settings():
    model = _segmentor()
    for paramwise, error in [(dict(decay_rate=0.9, num_layers=6), 'unknown'),
                             (dict(decay_rate=1.5), r'decay_rate must be in \(0, 1\]')]:
        with pytest.raises(ValueError, match=error):
            build_optim_wrapper(model, dict(
                type='OptimWrapper', optimizer=dict(type='AdamW', lr=1e-3),
                constructor='StagedLRDecayOptimizerConstructor', paramwise_cfg=paramwise))
    model.backbone = torch.nn.Conv2d(3, 3, 1)
    with pytest.raises(TypeError, match='backbone is InceptionNeXt or ConvNeSt'):
        build_optim_wrapper(model, dict(
            type='OptimWrapper', optimizer=dict(type='AdamW', lr=1e-3),
            constructor='StagedLRDecayOptimizerConstructor', paramwise_cfg=dict(decay_rate=0.9)))
