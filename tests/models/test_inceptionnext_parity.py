"""Parity with timm's reference InceptionNeXt, through the released checkpoint format."""
import pytest
import timm
import torch

from mmseg_inceptionnext.models import InceptionNeXtNet, count_macs
from mmseg_inceptionnext.plugin import InceptionNeXt
from tests.conftest import randomize_

pytestmark = pytest.mark.stacks  # runs on every stack (docs/stacks.md)

# Classifier totals of the paper (Table 1), in millions, backbone + official head.
PAPER_PARAMS = {'atto': 4.2, 'tiny': 28.1, 'small': 49.4, 'base': 86.7}


def _release_checkpoint(arch, path, seed):
    """Save a randomised timm model's state dict exactly as the official release does:
    a plain state dict including the classification head."""
    ref = randomize_(timm.create_model(f'inception_next_{arch}', pretrained=False), seed).eval()
    torch.save(ref.state_dict(), path)
    return ref


@pytest.mark.parametrize('arch', ['atto', 'tiny', 'small', 'base'])
def test_released_weights_give_reference_features(arch, tmp_path):
    ckpt = tmp_path / f'inceptionnext_{arch}.pth'
    ref = _release_checkpoint(arch, ckpt, seed=len(arch))
    ours = InceptionNeXt(arch, init_cfg=dict(type='Pretrained', checkpoint=str(ckpt)))
    ours.init_weights()
    ours.eval()
    x = torch.randn(2, 3, 96, 128, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected = ref.forward_intermediates(x, intermediates_only=True)
        got = ours(x)
    assert len(got) == 4
    for stage, (e, g) in enumerate(zip(expected, got)):
        assert g.shape == e.shape, stage
        # the randomised features are O(1..100): compare absolute and relative error
        diff = (e - g).abs().max().item()
        assert diff <= 1e-5 * max(1.0, e.abs().max().item()), (stage, diff)
    # the head was dropped and nothing else: every backbone tensor came from the file
    saved = torch.load(ckpt, weights_only=True)
    for key, value in ours.state_dict().items():
        assert torch.equal(value, saved[key]), key


@pytest.mark.parametrize('arch', ['atto', 'tiny', 'small', 'base'])
def test_parameter_counts_match_paper(arch):
    model = InceptionNeXt(arch)
    backbone = sum(p.numel() for p in model.parameters())
    d3 = model.dims[3]
    hidden = 3 * d3  # official MlpClassifierHead: fc1 (d3->3*d3), GELU, LayerNorm, fc2 -> 1000
    head = (d3 * hidden + hidden) + 2 * hidden + (hidden * 1000 + 1000)
    ref_total = sum(p.numel() for p in timm.create_model(f'inception_next_{arch}').parameters())
    assert backbone + head == ref_total
    assert round((backbone + head) / 1e6, 1) == PAPER_PARAMS[arch]


# Classifier GMACs of the paper at 224x224 (Table 1).
PAPER_GMACS = {'atto': 0.51, 'tiny': 4.2, 'small': 8.4, 'base': 14.9}


@pytest.mark.parametrize('arch', ['atto', 'tiny', 'small', 'base'])
def test_macs_match_paper(arch):
    model = InceptionNeXtNet(arch).to('meta')  # counted from shapes, nothing computed
    macs = count_macs(model, torch.empty(1, 3, 224, 224, device='meta'))
    d3 = model.dims[3]
    head = d3 * 3 * d3 + 3 * d3 * 1000  # fc1 and fc2 of the classification head
    assert abs((macs + head) / 1e9 - PAPER_GMACS[arch]) <= 0.015 * PAPER_GMACS[arch] + 0.005
