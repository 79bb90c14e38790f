"""One contract for the three backbones the configs use (InceptionNeXt, ConvNeSt and timm's
ConvNeXt for the baselines): frozen_stages, norm_eval, with_cp, output norms and input checks,
built from the registries as configs build them."""
import pytest
import torch
from torch.nn.modules.batchnorm import _BatchNorm

from tests.conftest import TINY_INCEPTIONNEXT

BACKBONES = {
    'InceptionNeXt': dict(type='InceptionNeXt', arch=TINY_INCEPTIONNEXT),
    'ConvNeSt': dict(type='ConvNeSt', arch=dict(depths=(1, 1, 2, 1), dims=(8, 16, 24, 32),
                                                expand_ratio=2)),
    'TimmConvNeXt': dict(type='TimmConvNeXt', arch='atto'),
}


def _build(name, **kwargs):
    from mmseg.registry import MODELS

    import mmseg_inceptionnext  # noqa: F401  (registers the backbones)
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
