"""One contract for the three backbones the configs use (InceptionNeXt, ConvNeSt and timm's
ConvNeXt for the baselines): frozen_stages, norm_eval, with_cp, output norms, input checks and
the one checkpoint loader, built from the registries as configs build them.

Each family's own checkpoint details (wrappers, safetensors, the official ConvNeXt layout,
truncated files) are tested in test_checkpoint.py and test_timm_convnext.py; here, what every
backbone must do alike."""
import argparse

import pytest
import timm
import torch
from torch.nn.modules.batchnorm import _BatchNorm

from mmseg_inceptionnext.models import CheckpointError, ConvNeStClassifier
from tests.conftest import TINY_INCEPTIONNEXT, randomize_

TINY_CONVNEST = dict(depths=(1, 1, 2, 1), dims=(8, 16, 24, 32), expand_ratio=2)
BACKBONES = {
    'InceptionNeXt': dict(type='InceptionNeXt', arch=TINY_INCEPTIONNEXT),
    'ConvNeSt': dict(type='ConvNeSt', arch=TINY_CONVNEST),
    'TimmConvNeXt': dict(type='TimmConvNeXt', arch='atto'),
}
#: Another size of each family, whose checkpoint must be refused, and how errors describe it.
OTHER_ARCHS = {
    'InceptionNeXt': dict(TINY_INCEPTIONNEXT, depths=(1, 1, 3, 1), dims=(8, 16, 32, 48)),
    'ConvNeSt': dict(TINY_CONVNEST, depths=(1, 1, 3, 1), dims=(8, 16, 32, 48)),
    'TimmConvNeXt': 'femto',
}
OTHER_LAYOUTS = {
    'InceptionNeXt': 'depths=(1, 1, 3, 1), dims=(8, 16, 32, 48)',
    'ConvNeSt': 'depths=(1, 1, 3, 1), dims=(8, 16, 32, 48)',
    'TimmConvNeXt': 'depths=(2, 2, 6, 2), dims=(48, 96, 192, 384)',
}


def _build(name, **kwargs):
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS

    import mmseg_inceptionnext  # noqa: F401  (registers the backbones)
    # in mmseg's scope, whatever scope an earlier test in this worker left current
    init_default_scope('mmseg')
    return MODELS.build(dict(BACKBONES[name], **kwargs))


@pytest.mark.parametrize('name', sorted(BACKBONES))
def test_frozen_stages_stay_frozen_through_train(name):
    model = _build(name, frozen_stages=2).train()
    stem, *stages = model.stage_modules()
    for module in (stem, stages[0], stages[1]):
        assert not module.training
        assert not any(p.requires_grad for p in module.parameters())
    assert stages[2].training and all(p.requires_grad for p in stages[2].parameters())
    x = torch.randn(2, 3, 64, 64)
    sum(o.mean() for o in model(x)).backward()
    assert all(p.grad is None for p in stem.parameters())
    assert any(p.grad is not None for p in stages[2].parameters())
    with pytest.raises(ValueError, match='frozen_stages must be an int in'):
        _build(name, frozen_stages=5)


@pytest.mark.parametrize('name', sorted(BACKBONES))
def test_norm_eval_keeps_batch_norms_in_eval(name):
    model = _build(name, norm_eval=True, out_norm_cfg=dict(type='BN')).train()
    norms = [m for m in model.modules() if isinstance(m, _BatchNorm)]
    assert norms and not any(m.training for m in norms)
    assert _build(name, out_norm_cfg=dict(type='BN')).train().norm0.training  # off by default


@pytest.mark.parametrize('name', sorted(BACKBONES))
def test_with_cp_gives_the_same_outputs_and_gradients(name):
    torch.manual_seed(0)
    plain = _build(name, drop_path_rate=0.0).train()
    cp = _build(name, drop_path_rate=0.0, with_cp=True).train()
    cp.load_state_dict(plain.state_dict())
    x = torch.randn(2, 3, 64, 64)
    outs = [model(x) for model in (plain, cp)]
    for a, b in zip(*outs):
        assert a.shape == b.shape and torch.allclose(a, b, atol=1e-5)
    for model, out in zip((plain, cp), outs):
        sum(o.square().mean() for o in out).backward()
    for (n, p), q in zip(plain.named_parameters(), cp.parameters()):
        if p.grad is not None:
            assert torch.allclose(p.grad, q.grad, atol=1e-5, rtol=1e-4), n


@pytest.mark.parametrize('name', sorted(BACKBONES))
def test_four_stages_and_clear_input_errors(name):
    model = _build(name).eval()
    outs = model(torch.randn(1, 3, 64, 64))
    assert len(outs) == 4 and [o.shape[1] for o in outs] == list(model.out_channels)
    assert [o.shape[-1] for o in outs] == [16, 8, 4, 2]
    with pytest.raises(ValueError, match='4-D NCHW'):
        model(torch.randn(3, 64, 64))
    with pytest.raises(ValueError, match='in_channels=3'):
        model(torch.randn(1, 4, 64, 64))


def _release(name, arch=None, seed=0):
    """A classification checkpoint of the family, as released (head included), and the model
    key each of its tensors is loaded into."""
    if name == 'TimmConvNeXt':
        sd = randomize_(timm.create_model(f'convnext_{arch or "atto"}'), seed=seed).state_dict()
        return sd, lambda key: f'model.{key}'
    if name == 'ConvNeSt':
        sd = randomize_(ConvNeStClassifier(arch or TINY_CONVNEST, num_classes=5),
                        seed=seed).state_dict()
    else:  # InceptionNeXt's release: backbone keys + head.fc1 / head.norm / head.fc2
        sd = randomize_(_build(name, arch=arch or TINY_INCEPTIONNEXT), seed=seed).state_dict()
        sd.update({'head.fc1.weight': torch.randn(96, 32), 'head.norm.weight': torch.ones(96),
                   'head.fc2.weight': torch.randn(5, 96)})
    return sd, lambda key: key


def _pretrained(path, **kwargs):
    return dict(init_cfg=dict(type='Pretrained', checkpoint=str(path), **kwargs))


def _state(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def _assert_unchanged(model, before):
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key]), key


@pytest.mark.parametrize('name', sorted(BACKBONES))
def test_release_checkpoint_loads_without_its_head(name, tmp_path):
    sd, own_key = _release(name)
    assert any(k.startswith('head.') for k in sd)
    torch.save(sd, tmp_path / 'release.pth')
    model = _build(name, out_norm_cfg=dict(type='BN'), **_pretrained(tmp_path / 'release.pth'))
    norms = {k: v.clone() for k, v in model.state_dict().items() if k.startswith('norm')}
    model.init_weights()
    loaded = model.state_dict()
    for key, value in sd.items():
        if not key.startswith('head.'):
            assert torch.equal(loaded[own_key(key)], value), key
    # classification checkpoints have no output norms: they keep their initialisation
    assert norms and all(torch.equal(loaded[k], v) for k, v in norms.items())


@pytest.mark.parametrize('prefix', [None, 'backbone.'])
@pytest.mark.parametrize('name', sorted(BACKBONES))
def test_openmmlab_checkpoint_loads_the_backbone_subtree(name, prefix, tmp_path):
    """A segmentor's or detector's checkpoint: ``backbone.`` detected (or given), neck and
    heads ignored, the output norms loaded too."""
    source = randomize_(_build(name, out_norm_cfg=dict(type='BN')), seed=1)
    torch.save({'meta': {'epoch': 1}, 'state_dict': {
        **{f'backbone.{k}': v for k, v in source.state_dict().items()},
        'neck.lateral_convs.0.conv.weight': torch.randn(4, 8, 1, 1),
        'decode_head.conv_seg.weight': torch.randn(3, 4, 1, 1)}}, tmp_path / 'seg.pth')
    model = _build(name, out_norm_cfg=dict(type='BN'),
                   **_pretrained(tmp_path / 'seg.pth', prefix=prefix))
    model.init_weights()
    _assert_unchanged(model, source.state_dict())


@pytest.mark.parametrize('name', sorted(BACKBONES))
def test_key_conversion_is_pure_and_keeps_the_own_layout(name):
    model = _build(name, out_norm_cfg=dict(type='BN'))
    own = model.state_dict()
    keys = list(own)
    fmt = model.checkpoint_format()
    again = fmt.convert(own)  # an OpenMMLab checkpoint's backbone, prefix removed
    assert list(again) == keys and all(again[k] is own[k] for k in keys)
    assert list(own) == keys  # the input is not modified
    assert fmt.optional_prefixes == ('norm0.', 'norm1.', 'norm2.', 'norm3.')
    release, own_key = _release(name)
    body = {k: v for k, v in release.items() if not k.startswith('head.')}
    converted = fmt.convert(body)
    assert list(converted) == [own_key(k) for k in body]
    assert set(converted) == {k for k in own if not k.startswith('norm')}


@pytest.mark.parametrize('source', ['other arch', 'other family', 'one tensor missing'])
@pytest.mark.parametrize('name', sorted(BACKBONES))
def test_a_checkpoint_that_does_not_fit_is_refused_and_nothing_changes(name, source, tmp_path):
    if source == 'other arch':
        sd, _ = _release(name, arch=OTHER_ARCHS[name])
    elif source == 'other family':  # the next family's release: stem.0.* and stages.* names
        names = sorted(BACKBONES)
        sd, _ = _release(names[(names.index(name) + 1) % len(names)])
    else:  # every other tensor fits, and still none is loaded
        sd, own_key = _release(name)
        missing = next(k for k in sd if k.startswith('stages.3.') and k.endswith('.weight'))
        del sd[missing]
    torch.save(sd, tmp_path / 'other.pth')
    model = _build(name, **_pretrained(tmp_path / 'other.pth'))
    before = _state(model)
    with pytest.raises(CheckpointError, match='other.pth') as info:
        model.init_weights()
    _assert_unchanged(model, before)
    msg = str(info.value)
    assert '(nothing was loaded)' in msg and 'Pick the arch the checkpoint was trained' in msg
    if source == 'other arch':
        assert f'The checkpoint has {OTHER_LAYOUTS[name]};' in msg and 'shape mismatch' in msg
    elif source == 'one tensor missing':
        assert f'1 missing from the checkpoint: [{own_key(missing)} (' in msg


@pytest.mark.parametrize('name', sorted(BACKBONES))
def test_pickled_code_is_refused_before_anything_is_loaded(name, tmp_path):
    sd, _ = _release(name)
    torch.save({'state_dict': sd, 'args': argparse.Namespace(lr=1e-3)}, tmp_path / 'pickled.pth')
    model = _build(name, **_pretrained(tmp_path / 'pickled.pth'))
    before = _state(model)
    with pytest.raises(CheckpointError, match=r'beyond tensors \(it needs argparse.Namespace\)'):
        model.init_weights()
    _assert_unchanged(model, before)


@pytest.mark.parametrize('name', sorted(BACKBONES))
def test_one_output_norm_per_returned_stage(name):
    torch.manual_seed(0)
    plain = randomize_(_build(name, out_indices=(0, 2), out_norm_cfg=None)).eval()
    normed = _build(name, out_indices=(0, 2), out_norm_cfg=dict(type='BN')).eval()
    result = normed.load_state_dict(plain.state_dict(), strict=False)
    assert not result.unexpected_keys
    assert {k.split('.')[0] for k in result.missing_keys} == {'norm0', 'norm2'}
    assert not any(k.startswith('norm') for k in plain.state_dict())
    randomize_(normed.norm0, seed=1)
    randomize_(normed.norm2, seed=2)
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        for i, a, b in zip((0, 2), plain(x), normed(x)):
            torch.testing.assert_close(getattr(normed, f'norm{i}')(a), b)
    assert normed.out_channels == plain.out_channels and len(normed.out_channels) == 2
