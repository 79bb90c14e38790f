"""TimmConvNeXt, the ConvNeXt baseline: registration, outputs, parity with timm, strict and
safe loading of official and timm checkpoints, activation checkpointing."""
import argparse
import re
from collections import OrderedDict

import pytest
import timm
import torch
from mmdet.registry import MODELS as MMDET_MODELS
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS as MMSEG_MODELS
from safetensors.torch import save_file

import mmseg_inceptionnext  # noqa: F401
from mmseg_inceptionnext.models import CheckpointError
from mmseg_inceptionnext.models.convnext_keys import convnext_to_timm_keys
from mmseg_inceptionnext.plugin import TimmConvNeXt
from tests.conftest import randomize_

ATTO_DIMS = (40, 80, 160, 320)


@pytest.fixture(autouse=True, scope='module')
def _one_thread():
    """One CPU thread: faster than several spin-waiting on a small shared CPU."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _reference(name, seed=0):
    """A timm ConvNeXt classifier with random (non-trivial) weights, in eval mode."""
    return randomize_(timm.create_model(name), seed=seed).eval()


def to_official_keys(state_dict):
    """timm's ConvNeXt keys -> the facebookresearch release layout (the reverse of timm's
    checkpoint_filter_fn), wrapped as in ``convnext_tiny_1k_224.pth``."""
    out = OrderedDict()
    for key, value in state_dict.items():
        key = re.sub(r'^stem\.', 'downsample_layers.0.', key)
        key = re.sub(r'^stages\.(\d+)\.downsample\.', r'downsample_layers.\1.', key)
        key = re.sub(r'^stages\.(\d+)\.blocks\.(\d+)\.', r'stages.\1.\2.', key)
        key = key.replace('.conv_dw.', '.dwconv.').replace('.mlp.fc1.', '.pwconv1.')
        key = key.replace('.mlp.fc2.', '.pwconv2.')
        key = key.replace('head.norm.', 'norm.').replace('head.fc.', 'head.')
        out[key] = value
    return {'model': out}


def _pretrained(path, **kwargs):
    return dict(type='Pretrained', checkpoint=str(path), **kwargs)


def _features(model, x):
    with torch.no_grad():
        return model.forward_intermediates(x, indices=[0, 1, 2, 3], intermediates_only=True)


def test_to_official_keys_matches_the_release_layout():
    keys = set(to_official_keys(timm.create_model('convnext_atto').state_dict())['model'])
    assert {'downsample_layers.0.0.weight', 'downsample_layers.0.1.bias',
            'downsample_layers.3.1.weight', 'stages.2.5.dwconv.weight', 'stages.0.1.gamma',
            'stages.1.0.pwconv1.weight', 'stages.3.1.pwconv2.bias', 'stages.0.0.norm.weight',
            'norm.weight', 'head.weight', 'head.bias'} <= keys
    assert not any(k.startswith(('stem.', 'head.norm', 'head.fc')) or '.blocks.' in k
                   for k in keys)


@pytest.mark.parametrize('registry,scope', [(MMSEG_MODELS, 'mmseg'), (MMDET_MODELS, 'mmdet')])
def test_build_from_both_registries(registry, scope):
    init_default_scope(scope)
    assert registry.get('TimmConvNeXt') is TimmConvNeXt
    model = registry.build(dict(type='TimmConvNeXt', arch='atto', out_indices=(1, 3)))
    assert type(model) is TimmConvNeXt
    outs = model.eval()(torch.randn(1, 3, 64, 64))
    assert [o.shape for o in outs] == [(1, 80, 8, 8), (1, 320, 2, 2)]


@pytest.mark.parametrize('out_indices,expected', [
    ((0, 1, 2, 3), (0, 1, 2, 3)),
    ((0, -1), (0, 3)),
    ([-2], (2, )),
    (1, (1, )),
    ((-4, -3), (0, 1)),
])
def test_outputs_for_out_indices(out_indices, expected):
    model = TimmConvNeXt('atto', out_indices=out_indices).eval()
    assert model.out_indices == expected
    assert model.dims == ATTO_DIMS and model.depths == (2, 2, 6, 2)
    assert model.out_channels == [ATTO_DIMS[i] for i in expected]
    for h, w in ((64, 64), (95, 67)):  # sizes are floored per stride, as in timm
        outs = model(torch.randn(2, 3, h, w))
        assert [tuple(o.shape) for o in outs] == [
            (2, ATTO_DIMS[i], h // 2**(i + 2), w // 2**(i + 2)) for i in expected]
    # head, final norm and the stages after the last returned one are gone (DDP-safe)
    names = [n for n, _ in model.named_parameters()]
    assert not any(n.startswith(('model.head.', 'model.norm_pre.')) for n in names)
    assert len(model.model.stages) == expected[-1] + 1
    assert {n.split('.')[0] for n in names if not n.startswith('model.')} == {
        f'norm{i}' for i in expected}


def test_every_parameter_gets_a_gradient():
    model = TimmConvNeXt('atto', out_indices=(0, 2))
    sum(o.sum() for o in model(torch.randn(1, 3, 64, 64))).backward()
    assert all(p.grad is not None for p in model.parameters())


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"Unknown ConvNeXt arch 'tiny_hnf'.*'atto'.*'tiny'"):
        TimmConvNeXt('tiny_hnf')
    with pytest.raises(ValueError, match='out_indices entry 4 is out of range'):
        TimmConvNeXt('atto', out_indices=(0, 4))
    with pytest.raises(ValueError, match='at most once'):
        TimmConvNeXt('atto', out_indices=(3, -1))
    with pytest.raises(ValueError, match=r"Unknown key\(s\) \['strict'\]"):
        TimmConvNeXt('atto', init_cfg=dict(type='Pretrained', checkpoint='x', strict=False))
    with pytest.raises(ValueError, match='Unknown norm type'):
        TimmConvNeXt('atto', out_norm_cfg=dict(type='NoSuchNorm'))
    model = TimmConvNeXt('atto')
    with pytest.raises(ValueError, match='in_channels=3 but the input has 1 channels'):
        model(torch.randn(1, 1, 64, 64))
    with pytest.raises(ValueError, match='at least 32x32 pixels'):
        model(torch.randn(1, 3, 64, 20))


def test_features_equal_timm_convnext_tiny():
    ref = _reference('convnext_tiny')
    model = TimmConvNeXt('tiny', out_norm_cfg=None).eval()
    sd = {k: v for k, v in ref.state_dict().items() if not k.startswith('head.')}
    model.model.load_state_dict(sd)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        ours = model(x)
    for a, b in zip(ours, _features(ref, x)):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)
    # with the default output norms: a LayerNorm over channels of the same features
    normed = TimmConvNeXt('tiny', out_indices=(1, 3)).eval()
    normed.model.load_state_dict(sd)
    randomize_(normed.norm3, seed=1)
    with torch.no_grad():
        last = normed(x)[1]
    expected = torch.nn.functional.layer_norm(
        _features(ref, x)[3].permute(0, 2, 3, 1), (768, ), normed.norm3.weight,
        normed.norm3.bias, eps=1e-6).permute(0, 3, 1, 2)
    torch.testing.assert_close(last, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize('fmt', ['timm', 'safetensors', 'openmmlab'])
def test_timm_checkpoint_loads(tmp_path, fmt):
    ref = _reference('convnext_atto')
    sd = ref.state_dict()
    if fmt == 'timm':
        path = tmp_path / 'convnext_atto.pth'
        torch.save(sd, path)
    elif fmt == 'safetensors':
        path = tmp_path / 'model.safetensors'
        save_file({k: v.contiguous() for k, v in sd.items()}, path)
    else:  # a segmentor of ours: backbone.model.*, output norms, head weights
        source = randomize_(TimmConvNeXt('atto'), seed=2)
        path = tmp_path / 'seg.pth'
        torch.save({'meta': {}, 'state_dict': {
            **{f'backbone.{k}': v for k, v in source.state_dict().items()},
            'decode_head.conv_seg.weight': torch.randn(150, 512, 1, 1)}}, path)
    model = TimmConvNeXt('atto', init_cfg=_pretrained(path)).eval()
    model.init_weights()
    if fmt == 'openmmlab':
        for key, value in source.state_dict().items():
            assert torch.equal(model.state_dict()[key], value), key
        return
    for key, value in model.model.state_dict().items():
        assert torch.equal(value, sd[key]), key
    # output norms are not in classification checkpoints: they keep their initialisation
    assert torch.equal(model.norm2.weight, torch.ones(160))
    assert torch.equal(model.norm2.bias, torch.zeros(160))
    x = torch.randn(1, 3, 64, 64)
    for a, b in zip(_features(model.model, x), _features(ref, x)):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)


def test_official_checkpoint_loads(tmp_path):
    ref = _reference('convnext_tiny')
    official = to_official_keys(ref.state_dict())
    torch.save(official, tmp_path / 'convnext_tiny_1k_224.pth')
    model = TimmConvNeXt('tiny', out_norm_cfg=None,
                         init_cfg=_pretrained(tmp_path / 'convnext_tiny_1k_224.pth')).eval()
    model.init_weights()
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        for a, b in zip(model(x), _features(ref, x)):
            torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)
    # the key mapping itself, as a pure function: official -> timm, and timm unchanged
    converted = convnext_to_timm_keys(official['model'], ref.state_dict())
    assert list(converted) == list(ref.state_dict())
    assert all(torch.equal(converted[k], v) for k, v in ref.state_dict().items())
    assert 'downsample_layers.0.0.weight' in official['model']  # input untouched
    timm_sd = ref.state_dict()
    assert convnext_to_timm_keys(timm_sd, timm_sd) == timm_sd


def test_official_checkpoint_of_another_arch_loads_nothing(tmp_path):
    small = timm.create_model('convnext_small')
    torch.save(to_official_keys(small.state_dict()), tmp_path / 'convnext_small_1k_224.pth')
    model = TimmConvNeXt('tiny', init_cfg=_pretrained(tmp_path / 'convnext_small_1k_224.pth'))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(CheckpointError) as info:
        model.init_weights()
    msg = str(info.value)
    assert "does not fit TimmConvNeXt(arch='tiny') (nothing was loaded)" in msg
    assert 'The checkpoint has depths=(3, 3, 27, 3), dims=(96, 192, 384, 768)' in msg
    assert 'convnext_tiny has depths=(3, 3, 9, 3)' in msg
    assert 'Pick the arch the checkpoint was trained with' in msg
    assert '162 unexpected in the checkpoint: [model.stages.2.blocks.9.gamma (384,)' in msg
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key]), key  # stages 0, 1 and 3 fit, yet were not loaded


def _official_with_linear_mlp(name):
    """An official-layout checkpoint of a timm-only size whose 1x1-conv MLP weights are
    stored 2-D, as ConvNeXt's nn.Linear: timm's filter reshapes them to the model's."""
    official = to_official_keys(_reference(name).state_dict())
    official['model'] = {k: v.flatten(1) if re.search(r'pwconv\d\.weight$', k) else v
                         for k, v in official['model'].items()}
    return official


def test_official_layout_reshapes_and_reports_other_widths(tmp_path):
    torch.save(_official_with_linear_mlp('convnext_atto'), tmp_path / 'atto.pth')
    model = TimmConvNeXt('atto', init_cfg=_pretrained(tmp_path / 'atto.pth'))
    model.init_weights()
    ref = _reference('convnext_atto').state_dict()
    assert model.model.stages[2].blocks[0].mlp.fc1.weight.shape == (640, 160, 1, 1)
    assert all(torch.equal(v, ref[k]) for k, v in model.model.state_dict().items())
    # another width: timm's filter alone would raise a bare RuntimeError while reshaping
    torch.save(_official_with_linear_mlp('convnext_femto'), tmp_path / 'femto.pth')
    model = TimmConvNeXt('atto', init_cfg=_pretrained(tmp_path / 'femto.pth'))
    with pytest.raises(CheckpointError) as info:
        model.init_weights()
    msg = str(info.value)
    assert 'The checkpoint has depths=(2, 2, 6, 2), dims=(48, 96, 192, 384)' in msg
    assert 'model.stem.0.weight: checkpoint (48, 3, 4, 4) vs model (40, 3, 4, 4)' in msg
    assert 'model.stages.0.blocks.0.mlp.fc1.weight: checkpoint (192, 48) vs model (160, 40, 1, 1)' \
        in msg


def test_missing_keys_and_foreign_checkpoints(tmp_path):
    sd = timm.create_model('convnext_atto').state_dict()
    del sd['stages.3.blocks.1.gamma']
    torch.save(sd, tmp_path / 'partial.pth')
    with pytest.raises(CheckpointError, match=r'1 missing from the checkpoint: '
                       r'\[model.stages.3.blocks.1.gamma \(320,\)\]'):
        TimmConvNeXt('atto', init_cfg=_pretrained(tmp_path / 'partial.pth')).init_weights()
    # stages after the last returned one are pruned, so their keys are not needed
    model = TimmConvNeXt('atto', out_indices=(0, 1), init_cfg=_pretrained(tmp_path / 'partial.pth'))
    model.init_weights()
    assert torch.equal(model.model.stages[1].blocks[0].gamma, sd['stages.1.blocks.0.gamma'])
    torch.save({'state_dict': {'decode_head.conv_seg.weight': torch.zeros(2, 2, 1, 1)}},
               tmp_path / 'head_only.pth')
    with pytest.raises(CheckpointError, match='holds no ConvNeXt backbone weights'):
        TimmConvNeXt('atto', init_cfg=_pretrained(tmp_path / 'head_only.pth')).init_weights()


def test_pickled_code_is_refused_unless_opted_in(tmp_path):
    sd = _reference('convnext_atto').state_dict()
    torch.save({'model': sd, 'args': argparse.Namespace(lr=1e-3)}, tmp_path / 'pickled.pth')
    model = TimmConvNeXt('atto', init_cfg=_pretrained(tmp_path / 'pickled.pth'))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(CheckpointError, match=r'beyond tensors \(it needs argparse.Namespace\)'
                       r'.*unsafe_pickle=True'):
        model.init_weights()
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())
    trusted = TimmConvNeXt('atto', init_cfg=_pretrained(tmp_path / 'pickled.pth',
                                                        unsafe_pickle=True))
    trusted.init_weights()
    assert all(torch.equal(v, sd[k]) for k, v in trusted.model.state_dict().items())


def test_with_cp_checkpoints_and_gives_equal_gradients():
    torch.manual_seed(0)
    plain = TimmConvNeXt('atto', out_indices=(0, 2, 3))
    randomize_(plain)
    ckpt = TimmConvNeXt('atto', out_indices=(0, 2, 3), with_cp=True)
    ckpt.load_state_dict(plain.state_dict())
    x = torch.randn(2, 3, 64, 64)
    calls = {}
    grads = {}
    for name, model in (('plain', plain), ('cp', ckpt)):
        model.train()
        calls[name] = 0
        block = model.model.stages[2].blocks[3]

        def count(*_, name=name):
            calls[name] += 1

        # a pre-hook: torch stops a recomputation once it has what backward needs, before
        # the block's forward hooks would run
        handle = block.register_forward_pre_hook(count)
        sum((o * o).mean() for o in model(x)).backward()
        handle.remove()
        grads[name] = {n: p.grad for n, p in model.named_parameters()}
    # timm's forward_intermediates runs each block again in the backward pass
    assert calls == {'plain': 1, 'cp': 2}
    for key, grad in grads['plain'].items():
        torch.testing.assert_close(grads['cp'][key], grad, rtol=1e-5, atol=1e-6, msg=key)


def test_a_timm_without_forward_intermediates_is_named(monkeypatch):
    """Older timm releases lack the API the backbone is built on: say which, and the fix."""
    monkeypatch.setattr(timm, 'create_model', lambda *args, **kwargs: torch.nn.Identity())
    with pytest.raises(RuntimeError, match='forward_intermediates.*upgrade timm'):
        TimmConvNeXt('tiny')
