"""Inference-time folding of BatchNorm and layer scale (models/fuse.py)."""
import copy

import pytest
import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from mmseg_inceptionnext.models import InceptionNeXtNet
from mmseg_inceptionnext.models.fuse import FoldedPadConv2d, fuse_for_inference
from mmseg_inceptionnext.plugin import InceptionNeXt
from tests.conftest import randomize_

SIZES = [(64, 64), (95, 27)]


def _assert_close(expected, got):
    assert len(expected) == len(got)
    for stage, (e, g) in enumerate(zip(expected, got)):
        assert g.shape == e.shape, stage
        rel = (e - g).abs().max().item() / max(e.abs().max().item(), 1e-12)
        assert rel <= 1e-4, (stage, rel)


def _check_fused_equals(model, sizes=SIZES, channels_last=False):
    model = randomize_(model, seed=3).eval()
    fused = fuse_for_inference(copy.deepcopy(model))
    if channels_last:
        fused = fused.to(memory_format=torch.channels_last)
    gen = torch.Generator().manual_seed(0)
    for h, w in sizes:
        x = torch.randn(2, 3, h, w, generator=gen)
        with torch.no_grad():
            expected = model(x)
            xin = x.contiguous(memory_format=torch.channels_last) if channels_last else x
            got = fused(xin)
        _assert_close(expected, got)
    return fused


def _batchnorm_names(model):
    return sorted(n for n, m in model.named_modules() if isinstance(m, _BatchNorm))


@pytest.mark.parametrize('out_indices', [(0, 1, 2, 3), (1, 3), (-1, )])
@pytest.mark.parametrize('out_norms', [False, True])
def test_fused_equals_unfused(tiny_arch, out_indices, out_norms):
    model = InceptionNeXtNet(tiny_arch, out_indices=out_indices,
                             out_norm_layer=nn.BatchNorm2d if out_norms else None)
    fused = _check_fused_equals(model)
    expected_norms = sorted(f'norm{i}' for i in model.out_indices) if out_norms else []
    assert _batchnorm_names(fused) == expected_norms
    assert all(b.gamma is None for s in fused.stages for b in s.blocks)


def test_odd_sizes_use_the_folded_padding(tiny_arch):
    """Odd inputs make every downsample pad; the fold must stay exact there."""
    model = InceptionNeXtNet(tiny_arch)
    fused = _check_fused_equals(model, sizes=[(95, 27), (33, 17), (1, 1)])
    downs = [s.downsample[1] for s in list(fused.stages)[1:]]
    assert all(isinstance(d, FoldedPadConv2d) for d in downs)
    assert any(d.pad_value.abs().max() > 0 for d in downs)


def test_fused_channels_last_equals_unfused(tiny_arch):
    _check_fused_equals(InceptionNeXtNet(tiny_arch), channels_last=True)


def test_openmmlab_backbone(tiny_arch):
    model = InceptionNeXt(tiny_arch, out_indices=(0, 2, 3), out_norm_cfg=dict(type='BN'))
    fused = _check_fused_equals(model)
    assert _batchnorm_names(fused) == ['norm0', 'norm2', 'norm3']


def test_train_mode_raises(tiny_arch):
    model = InceptionNeXtNet(tiny_arch).train()
    with pytest.raises(RuntimeError, match='training mode'):
        fuse_for_inference(model)
    assert _batchnorm_names(model)  # nothing was folded


def test_second_fuse_raises(tiny_arch):
    model = fuse_for_inference(InceptionNeXtNet(tiny_arch).eval())
    with pytest.raises(RuntimeError, match='already fused'):
        fuse_for_inference(model)


def test_returns_same_object_and_keeps_parameter_count_smaller(tiny_arch):
    model = InceptionNeXtNet(tiny_arch).eval()
    before = sum(p.numel() for p in model.parameters())
    assert fuse_for_inference(model) is model
    assert sum(p.numel() for p in model.parameters()) < before


def test_compiled_for_inference_equals_eager(tiny_arch):
    """Inductor freezing (the measured inference lever) keeps the outputs, fused or not,
    and the weights it froze are the ones of the first call."""
    from mmseg_inceptionnext.models import compile_for_inference
    model = randomize_(InceptionNeXtNet(tiny_arch, out_norm_layer=nn.BatchNorm2d), seed=5).eval()
    x = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(1))
    with torch.inference_mode():
        expected = model(x)
        compiled = compile_for_inference(fuse_for_inference(copy.deepcopy(model)))
        got = compiled(x.contiguous(memory_format=torch.channels_last))
    _assert_close(expected, got)
    assert all(g.is_contiguous(memory_format=torch.channels_last) for g in got)


def test_compile_for_inference_refuses_train_mode(tiny_arch):
    from mmseg_inceptionnext.models import compile_for_inference
    model = InceptionNeXtNet(tiny_arch).train()
    with pytest.raises(RuntimeError, match='training mode'):
        compile_for_inference(model)
    assert next(model.parameters()).is_contiguous()  # not converted to channels-last
