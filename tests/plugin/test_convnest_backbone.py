"""The OpenMMLab ConvNeSt backbone: the same contract as InceptionNeXt (tiny arch)."""
import math

import pytest
import torch
from timm.layers import LayerNorm2d

from mmseg_inceptionnext.models import CheckpointError, ConvNeStClassifier
from mmseg_inceptionnext.plugin import ConvNeSt
from tests.conftest import randomize_

pytestmark = pytest.mark.stacks  # runs on every stack (docs/stacks.md)

ARCH = dict(depths=(1, 1, 2, 1), dims=(8, 16, 24, 32), expand_ratio=2)


@pytest.mark.parametrize('size', [(64, 64), (95, 27)])
def test_shapes_strides_and_default_norm(size):
    model = ConvNeSt(ARCH).eval()
    assert isinstance(model.stem[1], LayerNorm2d) and model.stem[1].eps == 1e-6
    outs = model(torch.randn(1, 3, *size))
    for out, dim, stride in zip(outs, ARCH['dims'], (4, 8, 16, 32)):
        assert out.shape == (1, dim, math.ceil(size[0] / stride), math.ceil(size[1] / stride))


def test_frozen_stages_and_with_cp():
    model = ConvNeSt(ARCH, frozen_stages=1).train()
    assert not any(p.requires_grad for p in model.stem.parameters())
    assert not any(p.requires_grad for p in model.stages[0].parameters())
    assert all(p.requires_grad for p in model.stages[1].parameters())
    plain, ckpt = ConvNeSt(ARCH, drop_path_rate=0.2), ConvNeSt(ARCH, drop_path_rate=0.2,
                                                               with_cp=True)
    ckpt.load_state_dict(plain.state_dict())
    x = torch.randn(2, 3, 64, 64)
    grads = []
    for model in (plain, ckpt):
        model.train()
        torch.manual_seed(0)
        sum(o.square().mean() for o in model(x)).backward()
        grads.append({n: p.grad.clone() for n, p in model.named_parameters()})
    for name, grad in grads[0].items():
        assert torch.allclose(grad, grads[1][name], rtol=1e-5, atol=1e-7), name


def test_loads_classification_checkpoint_layout(tmp_path):
    classifier = randomize_(ConvNeStClassifier(ARCH, num_classes=10), seed=1).eval()
    torch.save(classifier.state_dict(), tmp_path / 'convnest.pth')
    model = ConvNeSt(ARCH, out_norm_cfg=dict(type='ChannelsFirstLN', eps=1e-6),
                     init_cfg=dict(type='Pretrained', checkpoint=str(tmp_path / 'convnest.pth')))
    model.init_weights()
    model.eval()
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        expected = super(ConvNeStClassifier, classifier).forward(x)[-1]
        got = ConvNeSt(ARCH)
        got.load_state_dict(model.state_dict(), strict=False)
        assert torch.allclose(got.eval()(x)[3], expected, atol=1e-5)
    other = dict(ARCH, dims=(8, 16, 24, 40))
    wrong = ConvNeSt(other, init_cfg=dict(type='Pretrained',
                                          checkpoint=str(tmp_path / 'convnest.pth')))
    with pytest.raises(CheckpointError, match='dims=\\(8, 16, 24, 32\\)'):
        wrong.init_weights()


def test_bad_arguments():
    with pytest.raises(ValueError, match="Unknown ConvNeSt arch 'huge'.*'femto'"):
        ConvNeSt('huge')
    with pytest.raises(ValueError, match=r"missing the field\(s\) \['dims'\]"):
        ConvNeSt(dict(depths=(1, 1, 1, 1)))
    with pytest.raises(ValueError, match='out_indices'):
        ConvNeSt(ARCH, out_indices=(4, ))
    with pytest.raises(ValueError, match='in_channels=3 but the input has 4 channels'):
        ConvNeSt(ARCH)(torch.randn(1, 4, 32, 32))
