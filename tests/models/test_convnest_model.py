"""ConvNeSt in plain torch: size against the paper, block equations, backbone contract."""
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from mmseg_inceptionnext.models.checkpoint import load_backbone_weights
from mmseg_inceptionnext.models.complexity import count_macs, count_params
from mmseg_inceptionnext.models.convnest import (
    CONVNEST_ARCHS,
    ConvNeStBlock,
    ConvNeStClassifier,
    ConvNeStNet,
)

#: A tiny ConvNeSt (channels 8..32) that keeps the suite fast.
TINY_CONVNEST = dict(depths=(1, 1, 2, 1), dims=(8, 16, 24, 32))

#: The paper's classifier sizes at 224x224, as printed: (params in M, GMACs).
PAPER_SIZES = {
    'atto': ('3.6', '0.67'),
    'femto': ('5.0', '0.90'),
    'pico': ('9', '1.5'),
    'nano': ('15', '2.7'),
    'tiny': ('27', '4.8'),
    'small': ('50', '9.0'),
    'base': ('90', '16.1'),
}


def _matches_paper(measured: float, printed: str, rel: float = 0.03) -> bool:
    """Within ``rel`` of the printed value, or within the rounding of its last digit
    (the paper prints '9M' for pico: any count in [8.5M, 9.5M) prints so)."""
    decimals = len(printed.partition('.')[2])
    tol = max(rel * float(printed), 0.5 * 10**-decimals)
    return abs(measured - float(printed)) <= tol


def _count(arch) -> tuple:
    model = ConvNeStClassifier(arch).eval()
    macs = count_macs(model, torch.randn(1, 3, 224, 224))
    return count_params(model) / 1e6, macs / 1e9


@pytest.mark.parametrize('name', sorted(PAPER_SIZES))
def test_params_and_macs_match_paper(name):
    params, gmacs = _count(name)
    paper_params, paper_gmacs = PAPER_SIZES[name]
    assert _matches_paper(params, paper_params), (name, params, paper_params)
    assert _matches_paper(gmacs, paper_gmacs), (name, gmacs, paper_gmacs)


def test_kernel_5_does_not_fit_paper():
    """The counts discriminate between readings: a 5x5 depthwise conv misses the paper."""
    params, gmacs = _count(dict(CONVNEST_ARCHS['tiny'], kernel_size=5))
    assert not _matches_paper(params, PAPER_SIZES['tiny'][0])
    assert not _matches_paper(gmacs, PAPER_SIZES['tiny'][1])


def test_count_macs_counts_conv_and_linear_only():
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.GELU(), nn.BatchNorm2d(4),
                          nn.Flatten(1), nn.Linear(4 * 5 * 5, 7))
    assert count_macs(model.eval(), torch.randn(2, 3, 5, 5)) == 2 * (4 * 3 * 9 * 25 + 100 * 7)
    assert count_params(model) == 4 * 3 * 9 + 4 + 8 + 100 * 7 + 7


@pytest.mark.parametrize('size', [(64, 64), (95, 27)])
def test_output_shapes_and_strides(size):
    torch.manual_seed(0)
    model = ConvNeStNet(TINY_CONVNEST).eval()
    outs = model(torch.randn(2, 3, *size))
    assert len(outs) == 4
    for out, dim, stride in zip(outs, TINY_CONVNEST['dims'], (4, 8, 16, 32)):
        assert out.shape == (2, dim, math.ceil(size[0] / stride), math.ceil(size[1] / stride))


def _layer_norm_channels(x, weight, bias):
    return F.layer_norm(x.permute(0, 2, 3, 1), x.shape[1:2], weight, bias,
                        eps=1e-6).permute(0, 3, 1, 2)


def test_block_matches_paper_equations():
    torch.manual_seed(0)
    dim = 8
    block = ConvNeStBlock(dim).eval()
    with torch.no_grad():
        for p in block.parameters():
            p.copy_(torch.randn_like(p) * 0.3)
    p = dict(block.named_parameters())
    x = torch.randn(2, dim, 11, 9)

    h = F.gelu(F.conv2d(x, p['fc1.weight'], p['fc1.bias']))
    assert h.shape[1] == 12 * dim
    d = _layer_norm_channels(h, p['dw_norm.weight'], p['dw_norm.bias'])
    h = h + F.conv2d(d, p['dwconv.weight'], p['dwconv.bias'], padding=3, groups=12 * dim)
    h = F.gelu(h)
    h = _layer_norm_channels(F.conv2d(h, p['fc2.weight'], p['fc2.bias']), p['norm.weight'],
                             p['norm.bias'])
    expected = p['res_scale'].reshape(1, -1, 1, 1) * x + h

    assert p['dwconv.weight'].shape == (12 * dim, 1, 7, 7)
    with torch.no_grad():
        assert torch.allclose(block(x), expected, atol=1e-5)


def test_init_res_scale_one_zero_biases_small_weights():
    torch.manual_seed(0)
    block = ConvNeStNet(TINY_CONVNEST).stages[0].blocks[0]
    assert torch.equal(block.res_scale, torch.ones(8))
    assert torch.equal(block.fc1.bias, torch.zeros(96))
    # timm's trunc_normal_(std=0.02) cuts at +-2 absolute, i.e. it is a plain normal here
    assert 0.015 < block.fc1.weight.std() < 0.025


def test_drop_path_ramp_reaches_rate_at_last_block():
    model = ConvNeStNet(TINY_CONVNEST, drop_path_rate=0.3)
    blocks = [b for stage in model.stages for b in stage.blocks]
    assert isinstance(blocks[0].drop_path, nn.Identity)  # rate 0
    rates = [b.drop_path.drop_prob for b in blocks[1:]]
    assert rates == pytest.approx([0.075, 0.15, 0.225, 0.3])


def test_unknown_arch_lists_valid_names():
    with pytest.raises(ValueError, match=r"Unknown ConvNeSt arch 'huge'.*'atto'.*'femto'.*'pico'"):
        ConvNeStNet('huge')


def test_arch_dict_missing_dims():
    with pytest.raises(ValueError, match=r"missing the field\(s\) \['dims'\]"):
        ConvNeStNet(dict(depths=(1, 1, 2, 1)))
    with pytest.raises(ValueError, match='kernel_size must be a positive odd int'):
        ConvNeStNet(dict(TINY_CONVNEST, kernel_size=4))


def test_classifier_key_layout():
    keys = list(ConvNeStClassifier(TINY_CONVNEST, num_classes=5).state_dict())
    assert {k.split('.')[0] for k in keys} == {'stem', 'stages', 'head'}
    for key in ('stem.0.weight', 'stem.1.weight', 'stages.1.downsample.0.weight',
                'stages.1.downsample.1.weight', 'stages.0.blocks.0.fc1.weight',
                'stages.0.blocks.0.dw_norm.weight', 'stages.0.blocks.0.dwconv.weight',
                'stages.0.blocks.0.fc2.weight', 'stages.0.blocks.0.norm.weight',
                'stages.3.blocks.0.res_scale', 'head.norm.weight', 'head.fc.weight'):
        assert key in keys, key
    assert 'stages.0.downsample.0.weight' not in keys  # stage 0 has no downsample
    head = [k for k in keys if k.startswith('head.')]
    assert head == ['head.norm.weight', 'head.norm.bias', 'head.fc.weight', 'head.fc.bias']


def test_classifier_checkpoint_loads_strictly_into_backbone(tmp_path):
    torch.manual_seed(0)
    classifier = ConvNeStClassifier(TINY_CONVNEST, num_classes=5).eval()
    assert classifier(torch.randn(2, 3, 64, 64)).shape == (2, 5)
    path = tmp_path / 'convnest_tiny_test.pth'
    torch.save(classifier.state_dict(), path)
    torch.manual_seed(1)
    backbone = ConvNeStNet(TINY_CONVNEST).eval()
    load_backbone_weights(backbone, str(path))
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        assert torch.equal(backbone(x)[3], ConvNeStNet.forward(classifier, x)[0])
