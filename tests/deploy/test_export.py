"""ONNX export of the backbones, checked in onnxruntime on the CPU."""
import json
import os.path as osp

import onnxruntime
import pytest
import torch

from mmseg_inceptionnext.models import ConvNeStNet, InceptionNeXtNet, fuse_for_inference
from tests.conftest import TINY_INCEPTIONNEXT, TOOLS, randomize_, run_script_here


@pytest.mark.parametrize('net,arch', [
    (InceptionNeXtNet, TINY_INCEPTIONNEXT),
    (ConvNeStNet, dict(depths=(1, 1, 2, 1), dims=(8, 16, 24, 32), expand_ratio=2)),
])
@pytest.mark.parametrize('size', [(64, 64), (95, 27)])
def test_onnx_matches_pytorch(tmp_path, net, arch, size):
    model = randomize_(net(arch), seed=2).eval()
    x = torch.randn(1, 3, *size)
    path = str(tmp_path / 'backbone.onnx')
    torch.onnx.export(model, (x, ), path, input_names=['image'], dynamo=True)
    session = onnxruntime.InferenceSession(path, providers=['CPUExecutionProvider'])
    got = session.run(None, {'image': x.numpy()})
    with torch.no_grad():
        expected = model(x)
    assert len(got) == 4
    for e, g in zip(expected, got):
        assert g.shape == tuple(e.shape)
        assert torch.allclose(torch.from_numpy(g), e, rtol=1e-4, atol=1e-4 * e.abs().max())


def test_fused_form_exports(tmp_path):
    model = fuse_for_inference(randomize_(InceptionNeXtNet(TINY_INCEPTIONNEXT), seed=3).eval())
    x = torch.randn(1, 3, 95, 27)
    path = str(tmp_path / 'fused.onnx')
    torch.onnx.export(model, (x, ), path, input_names=['image'], dynamo=True)
    got = onnxruntime.InferenceSession(path, providers=['CPUExecutionProvider']).run(
        None, {'image': x.numpy()})
    with torch.no_grad():
        expected = model(x)
    for e, g in zip(expected, got):
        assert torch.allclose(torch.from_numpy(g), e, rtol=1e-4, atol=1e-4 * e.abs().max())


def test_export_tool(tmp_path, capsys):
    torch.save(randomize_(InceptionNeXtNet(TINY_INCEPTIONNEXT)).state_dict(), tmp_path / 'w.pth')
    code, out, err = run_script_here(
        capsys, osp.join(TOOLS, 'export_onnx.py'), '--arch', json.dumps(TINY_INCEPTIONNEXT),
        '--checkpoint', tmp_path / 'w.pth', '--shape', '64', '96', '--out', tmp_path / 'b.onnx')
    assert code == 0, err[-2000:]
    assert 'max relative difference' in out and osp.isfile(tmp_path / 'b.onnx')
