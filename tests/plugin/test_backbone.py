"""The backbone contract of InceptionNeXt, on a tiny architecture."""
import copy
import math

import pytest
import torch
from torch import nn

from mmseg_inceptionnext.models import InceptionNeXtNet
from mmseg_inceptionnext.plugin import InceptionNeXt

pytestmark = pytest.mark.stacks  # runs on every stack (docs/stacks.md)


@pytest.mark.parametrize('size', [(64, 64), (95, 27)])
def test_output_shapes_and_strides(tiny_arch, size):
    model = InceptionNeXt(tiny_arch).eval()
    outs = model(torch.randn(2, 3, *size))
    assert len(outs) == 4
    for out, dim, stride in zip(outs, tiny_arch['dims'], (4, 8, 16, 32)):
        # odd sizes are padded by each patchify conv: ceil division by the stride
        assert out.shape == (2, dim, math.ceil(size[0] / stride), math.ceil(size[1] / stride))


def test_padding_only_extends_divisible_inputs(tiny_arch):
    """An odd input gives the same features as the reference floor-mode network on
    its top-left, stride-aligned crop at the first stage (padding adds, never shifts)."""
    model = InceptionNeXt(tiny_arch).eval()
    x = torch.randn(1, 3, 67, 70)
    with torch.no_grad():
        full = model.stem(x)
        crop = model.stem(x[..., :64, :68])
    assert torch.allclose(full[..., :16, :17], crop)


def test_out_indices_subset_and_negative(tiny_arch):
    requested = [1, -1]
    model = InceptionNeXt(tiny_arch, out_indices=requested)
    assert requested == [1, -1]  # the caller's list is untouched
    assert model.out_indices == (1, 3)
    outs = model(torch.randn(1, 3, 64, 64))
    assert [o.shape[1] for o in outs] == [16, 32]
    single = InceptionNeXt(tiny_arch, out_indices=2)(torch.randn(1, 3, 64, 64))
    assert len(single) == 1 and single[0].shape[1] == 24


@pytest.mark.parametrize('bad', [(4, ), (0, -5), (1, 1), (), (0.5, )])
def test_out_indices_out_of_range(tiny_arch, bad):
    with pytest.raises(ValueError, match='out_indices'):
        InceptionNeXt(tiny_arch, out_indices=bad)


def test_unknown_arch_lists_valid_names():
    with pytest.raises(ValueError, match=r"Unknown InceptionNeXt arch 'huge'.*'atto'.*'tiny'"):
        InceptionNeXt('huge')


def test_arch_dict_missing_field(tiny_arch):
    del tiny_arch['band_kernel_size']
    with pytest.raises(ValueError, match=r"missing the field\(s\) \['band_kernel_size'\]"):
        InceptionNeXt(tiny_arch)
    with pytest.raises(ValueError, match=r"unknown field\(s\) \['kernel'\]"):
        InceptionNeXt(dict(tiny_arch, band_kernel_size=5, kernel=3))
    with pytest.raises(ValueError, match="'depths' needs 4 values"):
        InceptionNeXt(dict(tiny_arch, band_kernel_size=5, depths=(1, 1, 1)))


def test_arch_names_are_case_insensitive_and_dict_matches_name():
    by_name = InceptionNeXtNet('ATTO')
    assert by_name.arch['dims'] == (40, 80, 160, 320)


def test_wrong_input_channels_and_rank(tiny_arch):
    model = InceptionNeXt(tiny_arch)
    with pytest.raises(ValueError, match=r'in_channels=3 but the input has 1 channels'):
        model(torch.randn(1, 1, 64, 64))
    with pytest.raises(ValueError, match='4-D NCHW'):
        model(torch.randn(3, 64, 64))
    gray = InceptionNeXt(tiny_arch, in_channels=1)
    assert gray(torch.randn(1, 1, 64, 64))[0].shape == (1, 8, 16, 16)


@pytest.mark.parametrize('frozen', [0, 2, 4])
def test_frozen_stages(tiny_arch, frozen):
    model = InceptionNeXt(tiny_arch, frozen_stages=frozen)
    model.train()
    frozen_modules = [model.stem] + [model.stages[i] for i in range(frozen)]
    trainable = [model.stages[i] for i in range(frozen, 4)]
    for module in frozen_modules:
        assert all(not p.requires_grad for p in module.parameters())
        assert all(not m.training for m in module.modules())
    for module in trainable:
        assert all(p.requires_grad for p in module.parameters())
        assert all(m.training for m in module.modules())
    # a training step leaves the frozen BN statistics alone
    before = copy.deepcopy(model.stem[1].state_dict())
    model(torch.randn(2, 3, 64, 64))
    assert all(torch.equal(before[k], v) for k, v in model.stem[1].state_dict().items())


def test_frozen_stages_out_of_range(tiny_arch):
    with pytest.raises(ValueError, match=r'frozen_stages must be an int in \[-1, 4\]'):
        InceptionNeXt(tiny_arch, frozen_stages=5)


def test_norm_eval(tiny_arch):
    model = InceptionNeXt(tiny_arch, norm_eval=True).train()
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    assert bns and all(not m.training for m in bns)
    assert all(p.requires_grad for p in model.parameters())
    assert model.stages[0].blocks[0].mlp.fc1.training
    assert all(m.training for m in InceptionNeXt(tiny_arch).train().modules())


def test_drop_path_ramp(tiny_arch):
    model = InceptionNeXt(tiny_arch, drop_path_rate=0.3)
    rates = [getattr(b.drop_path, 'drop_prob', 0.0) for s in model.stages for b in s.blocks]
    expected = torch.linspace(0, 0.3, 5).tolist()
    assert rates == pytest.approx(expected)
    assert isinstance(model.stages[0].blocks[0].drop_path, nn.Identity)  # rate 0: no op


def test_with_cp_gives_same_outputs_and_gradients(tiny_arch):
    kwargs = dict(arch=tiny_arch, drop_path_rate=0.2)
    plain, ckpt = InceptionNeXt(**kwargs), InceptionNeXt(with_cp=True, **kwargs)
    ckpt.load_state_dict(plain.state_dict())
    assert ckpt.stages[0].grad_checkpointing and not plain.stages[0].grad_checkpointing
    x = torch.randn(2, 3, 64, 64)
    results = []
    for model in (plain, ckpt):
        model.train()
        torch.manual_seed(0)  # same drop-path draws
        loss = sum(o.square().mean() for o in model(x))
        loss.backward()
        results.append((loss.detach(), {n: p.grad.clone() for n, p in model.named_parameters()}))
    assert torch.allclose(results[0][0], results[1][0], rtol=1e-6)
    for name, grad in results[0][1].items():
        assert torch.allclose(grad, results[1][1][name], rtol=1e-5, atol=1e-7), name


def test_out_norms(tiny_arch):
    model = InceptionNeXt(tiny_arch, out_indices=(1, 3), out_norm_cfg=dict(type='BN'))
    assert isinstance(model.norm1, nn.BatchNorm2d) and model.norm1.num_features == 16
    assert not hasattr(model, 'norm0')
    plain = InceptionNeXt(tiny_arch, out_indices=(1, 3))
    plain.load_state_dict(model.state_dict(), strict=False)
    with torch.no_grad():
        model.norm3.bias.fill_(5.0)
    model.eval(), plain.eval()
    x = torch.randn(1, 3, 64, 64)
    expected = model.norm3(plain(x)[1])
    assert torch.allclose(model(x)[1], expected)
    assert not torch.allclose(expected, plain(x)[1])
    with pytest.raises(ValueError, match="Unknown norm type 'NotANorm'.*'SyncBN'"):
        InceptionNeXt(tiny_arch, out_norm_cfg=dict(type='NotANorm'))


def test_syncbn_norm_cfg_builds(tiny_arch):
    model = InceptionNeXt(tiny_arch, norm_cfg=dict(type='SyncBN', requires_grad=True))
    assert isinstance(model.stem[1], nn.SyncBatchNorm)
    assert isinstance(model.stages[1].downsample[0], nn.SyncBatchNorm)


def test_pure_model_matches_openmmlab_wrapper(tiny_arch):
    pure, wrapped = InceptionNeXtNet(tiny_arch).eval(), InceptionNeXt(tiny_arch).eval()
    assert pure.state_dict().keys() == wrapped.state_dict().keys()
    wrapped.load_state_dict(pure.state_dict())
    x = torch.randn(1, 3, 64, 64)
    for a, b in zip(pure(x), wrapped(x)):
        assert torch.equal(a, b)
