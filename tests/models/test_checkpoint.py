"""Loading released, timm and OpenMMLab checkpoints strictly, safely and with clear errors."""
import argparse
import json
from collections import OrderedDict
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from mmseg_inceptionnext.models import (
    CheckpointError,
    InceptionNeXtNet,
    load_backbone_weights,
    read_checkpoint,
    to_backbone_state_dict,
)
from mmseg_inceptionnext.plugin import InceptionNeXt
from tests.conftest import TOOLS, randomize_, run_script_here

pytestmark = pytest.mark.stacks  # runs on every stack (docs/stacks.md)



def _classifier_state_dict(arch):
    """A release-style state dict: backbone keys plus a classification head."""
    sd = randomize_(InceptionNeXtNet(arch)).state_dict()
    d3 = arch['dims'][3] if isinstance(arch, dict) else None
    sd['head.fc1.weight'] = torch.randn(3 * d3, d3)
    sd['head.fc2.weight'] = torch.randn(10, 3 * d3)
    return sd


def _pretrained(path, **kwargs):
    return dict(type='Pretrained', checkpoint=str(path), **kwargs)


def _assert_loaded(model, sd):
    for key, value in model.state_dict().items():
        assert torch.equal(value, sd[key]), key


@pytest.mark.parametrize('wrap', ['plain', 'state_dict', 'model', 'ddp', 'openmmlab'])
def test_checkpoint_formats_load(tiny_arch, tmp_path, wrap):
    sd = _classifier_state_dict(tiny_arch)
    if wrap == 'plain':
        obj = sd
    elif wrap in ('state_dict', 'model'):
        obj = {wrap: sd, 'epoch': 300}
    elif wrap == 'ddp':
        obj = {'model': OrderedDict((f'module.{k}', v) for k, v in sd.items())}
    else:  # an OpenMMLab segmentor checkpoint: backbone + head weights, meta
        obj = {'meta': {'epoch': 3, 'mmseg_version': '1.2.2'},
               'state_dict': {**{f'backbone.{k}': v for k, v in sd.items()},
                              'decode_head.conv_seg.weight': torch.randn(150, 512, 1, 1)}}
    torch.save(obj, tmp_path / 'ckpt.pth')
    model = InceptionNeXt(tiny_arch, init_cfg=_pretrained(tmp_path / 'ckpt.pth'))
    model.init_weights()
    _assert_loaded(model, sd)


def test_safetensors(tiny_arch, tmp_path):
    sd = _classifier_state_dict(tiny_arch)
    save_file({k: v.contiguous() for k, v in sd.items()}, tmp_path / 'model.safetensors')
    model = InceptionNeXt(tiny_arch, init_cfg=_pretrained(tmp_path / 'model.safetensors'))
    model.init_weights()
    _assert_loaded(model, sd)


def test_out_norms_may_be_absent_but_load_when_present(tiny_arch, tmp_path):
    sd = _classifier_state_dict(tiny_arch)
    torch.save(sd, tmp_path / 'cls.pth')
    model = InceptionNeXt(tiny_arch, out_norm_cfg=dict(type='BN'),
                          init_cfg=_pretrained(tmp_path / 'cls.pth'))
    model.init_weights()
    _assert_loaded(model, {**model.state_dict(), **sd})
    seg = {f'backbone.{k}': v for k, v in randomize_(model, seed=3).state_dict().items()}
    torch.save({'state_dict': seg}, tmp_path / 'seg.pth')
    again = InceptionNeXt(tiny_arch, out_norm_cfg=dict(type='BN'),
                          init_cfg=_pretrained(tmp_path / 'seg.pth'))
    again.init_weights()
    assert torch.equal(again.norm2.weight, seg['backbone.norm2.weight'])


def test_checkpoint_of_another_size_lists_mismatches_and_loads_nothing(tiny_arch, tmp_path):
    other = dict(tiny_arch, dims=(8, 16, 32, 48), depths=(1, 1, 3, 1))
    torch.save(_classifier_state_dict(other), tmp_path / 'other.pth')
    model = InceptionNeXt(tiny_arch, init_cfg=_pretrained(tmp_path / 'other.pth'))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(CheckpointError) as info:
        model.init_weights()
    msg = str(info.value)
    assert 'nothing was loaded' in msg
    assert 'depths=(1, 1, 3, 1), dims=(8, 16, 32, 48)' in msg  # what the checkpoint is
    assert 'stages.2.downsample.1.weight: checkpoint (32, 16, 2, 2) vs model (24, 16, 2, 2)' in msg
    assert 'unexpected in the checkpoint: [stages.2.blocks.2.' in msg
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key]), key  # stem.* fit, yet were not loaded


def test_checkpoint_with_missing_keys(tiny_arch, tmp_path):
    sd = _classifier_state_dict(tiny_arch)
    del sd['stages.3.blocks.0.gamma']
    torch.save(sd, tmp_path / 'partial.pth')
    with pytest.raises(CheckpointError, match=r'1 missing from the checkpoint: '
                       r'\[stages.3.blocks.0.gamma \(32,\)\]'):
        load_backbone_weights(InceptionNeXtNet(tiny_arch), str(tmp_path / 'partial.pth'))


def test_checkpoint_without_backbone_weights(tiny_arch, tmp_path):
    torch.save({'state_dict': {'decode_head.conv_seg.weight': torch.zeros(2, 2, 1, 1)}},
               tmp_path / 'head_only.pth')
    with pytest.raises(CheckpointError, match='holds no InceptionNeXtNet backbone weights'):
        load_backbone_weights(InceptionNeXtNet(tiny_arch), str(tmp_path / 'head_only.pth'))


def test_missing_empty_and_truncated_files(tiny_arch, tmp_path):
    model = InceptionNeXtNet(tiny_arch)
    with pytest.raises(FileNotFoundError, match='does not exist'):
        load_backbone_weights(model, str(tmp_path / 'nope.pth'))
    (tmp_path / 'empty.pth').write_bytes(b'')
    with pytest.raises(CheckpointError, match='is empty'):
        load_backbone_weights(model, str(tmp_path / 'empty.pth'))
    torch.save(_classifier_state_dict(tiny_arch), tmp_path / 'full.pth')
    data = (tmp_path / 'full.pth').read_bytes()
    (tmp_path / 'cut.pth').write_bytes(data[:len(data) // 2])
    with pytest.raises(CheckpointError, match='truncated, corrupt'):
        load_backbone_weights(model, str(tmp_path / 'cut.pth'))
    (tmp_path / 'notes.txt').write_text('not a checkpoint')
    with pytest.raises(CheckpointError, match='truncated, corrupt'):
        read_checkpoint(str(tmp_path / 'notes.txt'))


def test_pickled_code_is_refused_unless_opted_in(tiny_arch, tmp_path):
    sd = _classifier_state_dict(tiny_arch)
    # an argparse.Namespace, as many training scripts store: needs pickled code to load
    torch.save({'model': sd, 'args': argparse.Namespace(lr=1e-3)}, tmp_path / 'pickled.pth')
    model = InceptionNeXt(tiny_arch, init_cfg=_pretrained(tmp_path / 'pickled.pth'))
    with pytest.raises(CheckpointError, match=r'beyond tensors \(it needs argparse.Namespace\)'
                       r'.*unsafe_pickle=True'):
        model.init_weights()
    trusted = InceptionNeXt(tiny_arch,
                            init_cfg=_pretrained(tmp_path / 'pickled.pth', unsafe_pickle=True))
    trusted.init_weights()
    _assert_loaded(trusted, sd)


def test_bad_pretrained_init_cfg(tiny_arch):
    with pytest.raises(ValueError, match=r"Unknown key\(s\) \['strict'\]"):
        InceptionNeXt(tiny_arch, init_cfg=dict(type='Pretrained', checkpoint='x', strict=False))
    with pytest.raises(ValueError, match='needs checkpoint='):
        InceptionNeXt(tiny_arch, init_cfg=dict(type='Pretrained'))


def test_to_backbone_state_dict_is_pure():
    sd = OrderedDict([('module.backbone.stem.0.weight', torch.zeros(1)),
                      ('module.backbone.head.fc1.weight', torch.zeros(1)),
                      ('module.decode_head.x', torch.zeros(1))])
    out = to_backbone_state_dict(sd)
    assert list(out) == ['stem.0.weight']
    assert list(sd) == ['module.backbone.stem.0.weight', 'module.backbone.head.fc1.weight',
                        'module.decode_head.x']
    assert list(to_backbone_state_dict({'a.stem.w': torch.zeros(1)}, prefix='a')) == ['stem.w']


def _convert_tool(capsys, *args):
    code, _, err = run_script_here(capsys, Path(TOOLS) / 'convert_checkpoint.py', *args)
    return code, err


def test_convert_tool(tiny_arch, tmp_path, capsys, monkeypatch):
    sd = _classifier_state_dict(tiny_arch)
    torch.save({'model': sd, 'epoch': 1}, tmp_path / 'cls.pth')
    out = tmp_path / 'sub' / 'backbone.pth'
    arch = json.dumps(tiny_arch)
    monkeypatch.chdir(tmp_path)
    code, err = _convert_tool(capsys, tmp_path / 'cls.pth', out, '--arch-dict', arch)
    assert code == 0, err
    converted = torch.load(out, weights_only=True)
    assert set(converted['state_dict']) == {f'backbone.{k}' for k in sd if 'head' not in k}
    assert 'meta' in converted
    model = InceptionNeXt(tiny_arch, init_cfg=_pretrained(out))
    model.init_weights()
    _assert_loaded(model, sd)
    # refusing to overwrite, and refusing a mismatching arch
    code, err = _convert_tool(capsys, tmp_path / 'cls.pth', out)
    assert code != 0 and 'exists' in err
    code, err = _convert_tool(capsys, tmp_path / 'cls.pth', tmp_path / 'x.pth', '--arch', 'atto')
    assert code != 0 and 'does not fit' in err
