"""One ONNX graph of a whole segmentor at every input size (`export --dynamic`): the
export-time forms of UperNet's pyramid pooling and the FPN head's upsampling equal the layers
they stand in for, UperNet and Semantic FPN graphs equal PyTorch at three sizes, and a graph
that fails its check is refused without touching the output path."""
import os

import pytest
import torch
import torch.nn.functional as F
from mmseg.models.utils import Upsample
from torch import nn

from mmseg_inceptionnext.deploy import compare_outputs
from mmseg_inceptionnext.deploy.dynamic import (
    SymbolicAdaptiveAvgPool2d,
    SymbolicUpsample,
    symbolic_sizes,
)
from mmseg_inceptionnext.deploy.onnx_runtime import (
    DynamicShapeError,
    OnnxRuntimeModel,
    export_onnx,
)
from tests.conftest import DEMO_SEG, TINY_SEG

#: Semantic FPN (neck and head as configs/_base_/models/fpn.py, 16 channels) on the tiny
#: backbone of ``TINY_SEG``, with the demo's data settings.
TINY_FPN = (f'_base_ = {DEMO_SEG!r}\n'
            'dims = [8, 16, 24, 32]\n'
            'model = dict(\n'
            '    backbone=dict(arch=dict(_delete_=True, depths=[1, 1, 1, 1], dims=dims,\n'
            '                            band_kernel_size=5, branch_ratio=0.25)),\n'
            "    neck=dict(type='FPN', in_channels=dims, out_channels=16, num_outs=4),\n"
            "    decode_head=dict(_delete_=True, type='FPNHead', in_channels=[16] * 4,\n"
            '                     in_index=[0, 1, 2, 3], feature_strides=[4, 8, 16, 32],\n'
            '                     channels=16, dropout_ratio=0.1, num_classes=7,\n'
            "                     align_corners=False, norm_cfg=dict(type='SyncBN'),\n"
            "                     loss_decode=dict(type='CrossEntropyLoss')),\n"
            '    auxiliary_head=None)\n')
#: Sizes the graphs are checked at: square, non-square, none a multiple of 32 but the first.
SIZES = [(2, 64, 64), (1, 95, 27), (1, 33, 130)]
ODD = [(1, 1), (4, 4), (5, 7), (13, 2), (17, 16), (3, 11), (25, 9)]


def _segmentor(text, folder, name):
    """The config ``text`` as ``folder/name.py``, built with random weights whose logits vary
    across the image (BN statistics drawn, the classifier scaled up), saved as ``train`` writes
    it: ``(model, config path, checkpoint path)``."""
    from mmengine.config import Config

    from mmseg_inceptionnext.runs.runner import build_model
    config = folder / f'{name}.py'
    config.write_text(text)
    cfg = Config.fromfile(str(config))
    torch.manual_seed(0)
    model = build_model(cfg).eval()
    gen = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.running_mean.copy_(torch.randn(module.num_features, generator=gen) * 0.1)
                module.running_var.copy_(torch.rand(module.num_features, generator=gen) + 0.5)
        model.decode_head.conv_seg.weight.mul_(100)
    meta = dict(dataset_meta=dict(classes=cfg.metainfo['classes'],
                                  palette=cfg.metainfo['palette']))
    torch.save(dict(state_dict=model.state_dict(), meta=meta), folder / f'{name}.pth')
    return model, str(config), str(folder / f'{name}.pth')


def _assert_exact(network, session):
    for batch, height, width in SIZES:
        x = torch.randn(batch, 3, height, width)
        with torch.no_grad():
            expected = network(x)
        report = compare_outputs(expected, session(x), logits=True)
        assert len(expected.argmax(1).unique()) > 1  # an arg-max that could disagree
        assert report['max_abs'] <= 1e-4 and report['argmax_agreement'] == 1.0, (x.shape, report)


@pytest.mark.parametrize('bins', [1, 2, 3, 6, (3, None), (None, 2)])
def test_symbolic_pool_equals_adaptive_avg_pool_at_odd_sizes(bins):
    for height, width in ODD:
        x = torch.randn(2, 5, height, width)
        expected = nn.AdaptiveAvgPool2d(bins)(x)
        got = SymbolicAdaptiveAvgPool2d(bins)(x)
        assert got.shape == expected.shape and torch.allclose(got, expected, atol=1e-6), (
            bins, height, width)


@pytest.mark.parametrize('scale, mode', [(2, 'bilinear'), (1.5, 'bilinear'), (2, 'nearest')])
def test_symbolic_upsample_equals_mmseg_upsample_at_odd_sizes(scale, mode):
    original = Upsample(scale_factor=scale, mode=mode,
                        align_corners=False if mode == 'bilinear' else None)
    for height, width in ODD:
        x = torch.randn(1, 4, height, width)
        assert torch.equal(SymbolicUpsample(original)(x), original(x)), (scale, height, width)


def test_forms_are_swapped_in_only_while_the_block_runs():
    pool, upsample = nn.AdaptiveAvgPool2d(3), Upsample(scale_factor=2, mode='bilinear')
    fixed = Upsample(size=(4, 4))  # a fixed target size is exported as it is
    network = nn.Sequential(nn.Conv2d(3, 4, 1), nn.Sequential(pool, upsample, fixed))
    with pytest.raises(KeyError):
        with symbolic_sizes(network) as swapped:
            assert swapped == ['1.0', '1.1']
            assert isinstance(network[1][0], SymbolicAdaptiveAvgPool2d)
            assert isinstance(network[1][1], SymbolicUpsample) and network[1][2] is fixed
            raise KeyError('an export that fails')
    assert network[1][0] is pool and network[1][1] is upsample


def test_an_export_that_fixes_the_size_anyway_is_an_error(tmp_path):
    class ReadsSize(nn.Module):  # int() of a traced size: the exporter makes it a constant
        def forward(self, x):
            return F.interpolate(x, size=(int(x.shape[2]) * 2, int(x.shape[3]) * 2))

    with pytest.raises(DynamicShapeError, match='fixed the input height and width'):
        export_onnx(ReadsSize().eval(), torch.randn(1, 3, 8, 8), str(tmp_path / 'f.onnx'),
                    dynamic=True)
    assert not (tmp_path / 'f.onnx').exists()


def test_upernet_dynamic_export_is_exact_at_three_sizes(tmp_path, cli):
    """The real command: one UperNet graph (PPM pooling to 1, 2, 3 and 6 bins) equal to
    PyTorch at its own three check sizes and at three more."""
    from mmseg_inceptionnext.deploy.segmentor import SegmentorNetwork
    model, config, ckpt = _segmentor(TINY_SEG, tmp_path, 'tiny_upernet')
    out = tmp_path / 'upernet.onnx'
    log, _ = cli('export', '--config', config, '--checkpoint', ckpt, '--dynamic', '--shape',
                 '64', '64', '--out', str(out), cwd=tmp_path)
    checks = [line for line in log.splitlines() if 'vs PyTorch at' in line]
    assert [line.split(' at ')[1].split(':')[0] for line in checks] == [
        '64x64', '100x37', '35x109 (batch 2)']
    assert all('arg-max agreement 100.00%' in line for line in checks), log
    assert sorted(os.listdir(tmp_path)) == sorted(['tiny_upernet.py', 'tiny_upernet.pth',
                                                   'upernet.onnx'])
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(out).st_mode & 0o777 == 0o666 & ~umask  # as any new file, not private
    session = OnnxRuntimeModel(str(out))
    assert [isinstance(d, str) for d in session.input_shape] == [True, False, True, True]
    _assert_exact(SegmentorNetwork(model).eval(), session)


@pytest.fixture(scope='module')
def fpn_graph(tmp_path_factory):
    """The tiny Semantic FPN and its dynamic graph, written by the library call:
    ``(model, ONNX path)``."""
    from mmengine.config import Config

    from mmseg_inceptionnext.deploy.segmentor import export_segmentor
    folder = tmp_path_factory.mktemp('fpn')
    model, config, _ = _segmentor(TINY_FPN, folder, 'tiny_fpn')
    export_segmentor(model, Config.fromfile(config), str(folder / 'fpn.onnx'), shape=(64, 64),
                     dynamic=True)
    return model, str(folder / 'fpn.onnx')


def test_fpn_dynamic_export_is_exact_at_three_sizes(fpn_graph):
    """One Semantic FPN graph (upsampling by 2 in the scale heads) equal to PyTorch at three
    sizes."""
    from mmseg_inceptionnext.deploy.segmentor import SegmentorNetwork
    model, path = fpn_graph
    _assert_exact(SegmentorNetwork(model).eval(), OnnxRuntimeModel(path))


def test_a_dynamic_graph_quantizes_to_int8_that_runs_at_any_size(fpn_graph, tmp_path):
    """ONNX Runtime's symbolic shape inference gives up on the dynamic graph's resizes; the
    quantizer does without it, and the int8 graph keeps its dynamic input."""
    import onnx

    from mmseg_inceptionnext.deploy import calibration_batches, to_onnxruntime
    from mmseg_inceptionnext.deploy.segmentor import SegmentorNetwork
    model, path = fpn_graph
    network = SegmentorNetwork(model).eval()
    int8 = to_onnxruntime(network, torch.zeros(1, 3, 64, 64), int8=True, dynamic=True,
                          calibration=calibration_batches(2, (64, 64)), fp32_onnx=path,
                          path=str(tmp_path / 'int8.onnx'))
    weights = onnx.load(str(tmp_path / 'int8.onnx')).graph.initializer
    assert sum(t.data_type == onnx.TensorProto.INT8 for t in weights) >= 10
    assert [isinstance(d, str) for d in int8.input_shape] == [True, False, True, True]
    for size in [(64, 64), (95, 27)]:
        x = calibration_batches(1, size, batches=1)[0]
        with torch.no_grad():
            report = compare_outputs(network(x), int8(x), logits=True)
        # int8 is not fp32 (the error is real) but the logits keep their direction
        assert 1e-4 < report['max_rel'] and report['cosine'] > 0.9, (size, report)


class _Broken:
    """What a broken export returns in place of its ONNX Runtime session."""

    def __init__(self, failure):
        self.failure = failure

    def __call__(self, x):
        if self.failure == 'onnxruntime' and x.shape[2:] != (64, 64):
            from onnxruntime.capi.onnxruntime_pybind11_state import InvalidArgument
            raise InvalidArgument('[ONNXRuntimeError] : 2 : INVALID_ARGUMENT : Non-zero status '
                                  'code returned while running GatherND node.\nmore')
        logits = torch.zeros(x.shape[0], 7, *x.shape[2:])
        return logits + (x.shape[2] != 64)  # drifts off the export size


@pytest.mark.parametrize('failure, problem', [
    ('onnxruntime', 'ONNX Runtime cannot run the exported graph at 100x37 (InvalidArgument: '
     '[ONNXRuntimeError] : 2 : INVALID_ARGUMENT : Non-zero status code returned while running '
     'GatherND node.)'),
    ('drift', 'the exported graph does not match PyTorch at 100x37: max relative difference'),
    ('fixed', 'The exporter fixed the input height at the traced size; nothing was written'),
])
def test_a_graph_that_fails_its_check_is_refused_and_the_output_path_kept(
        failure, problem, tmp_path, cli, monkeypatch):
    """The exported graph is written beside --out and renamed only once it passes; refused,
    it is removed and a file already at --out stays as it was."""
    from mmseg_inceptionnext.deploy import segmentor

    def export(model, cfg, path, **kwargs):
        with open(path, 'wb') as f:
            f.write(b'a graph of 21 MB')
        with open(os.path.splitext(path)[0] + '.fp32.onnx', 'wb') as f:
            f.write(b'and the fp32 graph an int8 export keeps beside it')
        if failure == 'fixed':
            raise DynamicShapeError('The exporter fixed the input height at the traced size')
        return _Broken(failure)

    model, config, ckpt = _segmentor(TINY_SEG, tmp_path, 'tiny_upernet')
    monkeypatch.setattr(segmentor, 'export_segmentor', export)
    monkeypatch.setattr(segmentor.SegmentorNetwork, 'forward',
                        lambda self, x: torch.zeros(x.shape[0], 7, *x.shape[2:]))
    out = tmp_path / 'out' / 'seg.onnx'
    for existing in (False, True):
        if existing:
            out.write_bytes(b'the graph exported yesterday')
        _, err = cli('export', '--config', config, '--checkpoint', ckpt, '--dynamic',
                     '--shape', '64', '64', '--out', str(out), cwd=tmp_path, code=1)
        errors = [line for line in err.splitlines() if line.startswith('error:')]
        assert len(errors) == 1 and errors[0].startswith(f'error: {problem}'), err
        assert f'nothing was written to {out}.' in errors[0]
        assert 'Export a fixed size instead (--shape H W, no --dynamic)' in errors[0]
        assert 'Traceback' not in err
        assert os.listdir(out.parent) == (['seg.onnx'] if existing else [])
    assert out.read_bytes() == b'the graph exported yesterday'
