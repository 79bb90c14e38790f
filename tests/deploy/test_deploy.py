"""Deployment forms and their accuracy: ONNX export of backbones and whole segmentors, ONNX
Runtime at fp32 and int8, `export` / `infer --onnx` / `infer --int8` / `fidelity` commands, and
the benchmark's machine report, ONNX Runtime rows and mixed precision."""
import dataclasses
import json
import os
import os.path as osp

import numpy as np
import onnx
import pytest
import torch

from mmseg_inceptionnext import benchmark as bm
from mmseg_inceptionnext.deploy import (
    FIDELITY_IMAGES,
    calibration_batches,
    compare_outputs,
    preprocess,
    sample_images,
    to_onnxruntime,
)
from mmseg_inceptionnext.models import InceptionNeXtNet
from mmseg_inceptionnext.synthetic import make_ade20k_like
from tests.conftest import DEMO_SEG, TINY_INCEPTIONNEXT, TINY_SEG, check_here, randomize_


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """The demo segmentor trained for 10 iterations on 64x64 synthetic scenes."""
    tmp = tmp_path_factory.mktemp('deploy')
    make_ade20k_like(tmp / 'data', num_train=8, num_val=4, size=(64, 64))
    root = str(tmp / 'data' / 'ADEChallengeData2016')
    options = [f'{split}_dataloader.dataset.data_root={root}' for split in ('train', 'val', 'test')]
    options += ['train_cfg.max_iters=10', 'train_cfg.val_interval=10', 'crop_size=(64,64)',
                'default_hooks.checkpoint.interval=10', 'train_dataloader.batch_size=4',
                'train_dataloader.num_workers=0', 'val_dataloader.num_workers=0',
                'train_dataloader.persistent_workers=False',
                'val_dataloader.persistent_workers=False', 'param_scheduler.0.end=3',
                'param_scheduler.1.begin=3', 'param_scheduler.1.end=10']
    check_here('-m', 'mmseg_inceptionnext', 'train', DEMO_SEG, '--work-dir', tmp / 'work',
               '--cfg-options', *options, cwd=tmp)
    return tmp, str(tmp / 'work' / 'iter_10.pth'), root, options


@pytest.fixture(scope='module')
def tiny(trained):
    """The demo segmentor at one block per stage (``TINY_SEG``) with random weights, saved with
    the keys mmseg's ``init_model`` reads (``state_dict``, ``meta.dataset_meta``): for the tests
    whose claims do not depend on trained weights (a smaller graph to export and quantize).
    ``(config, checkpoint)``."""
    from mmengine.config import Config

    from mmseg_inceptionnext.runs.runner import build_model
    tmp = trained[0]
    config = tmp / 'tiny_upernet.py'
    config.write_text(TINY_SEG)
    cfg = Config.fromfile(str(config))
    torch.manual_seed(0)
    model = build_model(cfg)
    meta = dict(dataset_meta=dict(classes=cfg.metainfo['classes'],
                                  palette=cfg.metainfo['palette']))
    torch.save(dict(state_dict=model.state_dict(), meta=meta), tmp / 'tiny.pth')
    return str(config), str(tmp / 'tiny.pth')


def _quantized_weights(path):
    model = onnx.load(path)
    return sum(1 for t in model.graph.initializer if t.data_type == onnx.TensorProto.INT8)


def _count_exports(monkeypatch):
    """The ONNX exports that ``to_onnxruntime`` makes from here on, as a list to count."""
    from mmseg_inceptionnext.deploy import int8
    calls, export = [], int8.export_onnx
    monkeypatch.setattr(int8, 'export_onnx', lambda *a, **k: calls.append(1) or export(*a, **k))
    return calls


def test_backbone_int8_stays_close_to_fp32_on_real_photographs(tmp_path):
    model = randomize_(InceptionNeXtNet(TINY_INCEPTIONNEXT), seed=4).eval()
    x = torch.cat([preprocess(img, (64, 64)) for img in sample_images(FIDELITY_IMAGES)])
    fp32 = to_onnxruntime(model, x, path=str(tmp_path / 'fp32.onnx'))
    int8 = to_onnxruntime(model, x, int8=True, path=str(tmp_path / 'int8.onnx'),
                          calibration=calibration_batches(2, (64, 64)))
    with torch.no_grad():
        expected = model(x)
    assert compare_outputs(expected, fp32(x))['max_rel'] < 1e-4
    report = compare_outputs(expected, int8(x))
    # int8 is not fp32: the error is real, but the features keep their direction
    assert 1e-4 < report['max_rel'] and report['cosine'] > 0.97, report
    assert _quantized_weights(str(tmp_path / 'int8.onnx')) >= 10
    assert _quantized_weights(str(tmp_path / 'fp32.onnx')) == 0


def test_int8_form_quantizes_the_onnx_forms_graph(monkeypatch):
    """fidelity's onnx and int8 forms of one network export it once per shape: int8
    quantizes the onnx form's fp32 graph, and computes what an int8 form of its own does."""
    from mmseg_inceptionnext.deploy import fidelity
    model = randomize_(InceptionNeXtNet(TINY_INCEPTIONNEXT), seed=6).eval()
    x = torch.cat([preprocess(img, (32, 32)) for img in sample_images(FIDELITY_IMAGES)])
    pre = dict(mean=(123.675, 116.28, 103.53), std=(58.395, 57.12, 57.375))
    calibration = sample_images()
    alone = fidelity.make_form(model, 'int8', calibration=calibration, **pre)(x)
    calls = _count_exports(monkeypatch)
    exports = {}
    onnx_form, int8_form = (fidelity.make_form(model, form, calibration=calibration,
                                               exports=exports, **pre)
                            for form in ('onnx', 'int8'))
    onnx_form(x)
    shared = int8_form(x)
    assert len(calls) == 1 and list(exports) == [tuple(x.shape)]
    assert compare_outputs(alone, shared)['max_rel'] < 1e-6


def test_calibration_refuses_no_images():
    with pytest.raises(ValueError, match='at least one image'):
        calibration_batches(2, (32, 32), images=[])


def test_segmentor_export_reproduces_logits_and_segments_images(trained, tmp_path, cli):
    tmp, ckpt, root, _ = trained
    out = tmp_path / 'seg.onnx'
    # default size: the config's crop size, the scale its test pipeline resizes to
    log, _ = cli('export', '--config', DEMO_SEG, '--checkpoint', ckpt, '--out', str(out), cwd=tmp)
    assert 'arg-max agreement 100.00%' in log, log
    images = osp.join(root, 'images', 'validation')
    written = cli('infer', '--onnx', str(out), images, '--out-dir', str(tmp_path / 'o'),
                  cwd=tmp)[0].split()
    assert len(written) == 4 and all(osp.isfile(p) for p in written)
    # the graph's segmentation is the PyTorch model's (mmseg's own inference_model)
    from mmseg_inceptionnext.deploy.segmentor import OnnxSegmentor
    from mmseg_inceptionnext.runs.seg_drawing import (
        list_images,
        load_segmentor,
        predict,
        read_rgb,
    )
    files = list_images([images])
    ours = OnnxSegmentor(str(out)).predict([read_rgb(f) for f in files])
    theirs = predict(load_segmentor(DEMO_SEG, ckpt), files)
    agreement = np.mean([np.mean(a == b) for a, b in zip(ours, theirs)])
    assert agreement > 0.98, agreement


def test_dynamic_backbone_graph_is_exact_at_any_size(tmp_path):
    model = randomize_(InceptionNeXtNet(TINY_INCEPTIONNEXT), seed=5).eval()
    session = to_onnxruntime(model, torch.randn(1, 3, 64, 64), dynamic=True)
    for size in [(64, 64), (100, 75), (33, 130)]:
        x = torch.randn(2, 3, *size)
        with torch.no_grad():
            assert compare_outputs(model(x), session(x))['max_rel'] < 1e-4, size


def _calibration_folder(folder, training, good=3):
    """``good`` training images, a truncated JPEG and a text file named ``.png``."""
    import shutil
    folder.mkdir()
    for name in sorted(os.listdir(training))[:good]:
        shutil.copy(osp.join(training, name), folder / name)
    source = osp.join(training, sorted(os.listdir(training))[0])
    data = open(source, 'rb').read()
    (folder / 'truncated.jpg').write_bytes(data[:len(data) // 3])
    (folder / 'notes.png').write_text('not an image')
    return folder


def test_infer_int8_and_export_int8(trained, tiny, tmp_path, cli):
    """int8 calibration leaves out what it cannot read: each such file is named once, the
    work is done on the rest, and the exit status says something was skipped."""
    (tmp, _, root, _), (config, ckpt) = trained, tiny
    images = osp.join(root, 'images', 'validation')
    calibration = _calibration_folder(tmp_path / 'cal', osp.join(root, 'images', 'training'))
    out, err = cli('infer', config, ckpt, images, '--int8', '--calibration', calibration,
                   '--out-dir', str(tmp_path / 'o'), cwd=tmp, code=1)
    written = [line for line in out.splitlines() if line.endswith('.png')]
    assert len(written) == 4 and all(osp.isfile(p) for p in written)
    for bad in ('truncated.jpg', 'notes.png'):
        assert err.count(f'skipped {calibration / bad}: not used for calibration') == 1, err
    assert '4 of 4 images written' in err and '2 skipped:' in err, err
    out, err = cli('export', '--config', config, '--checkpoint', ckpt, '--int8',
                   '--calibration', calibration, '--out', str(tmp_path / 'int8.onnx'), cwd=tmp,
                   code=1)
    assert 'onnxruntime int8 vs PyTorch' in out and _quantized_weights(tmp_path / 'int8.onnx')
    assert 'int8 calibrated on 3 images; 2 skipped:' in err, err
    assert all(err.count(f'skipped {calibration / bad}') == 1
               for bad in ('truncated.jpg', 'notes.png')), err


def test_int8_refuses_too_few_readable_calibration_images(trained, tiny, tmp_path, cli):
    (tmp, _, root, _), (config, ckpt) = trained, tiny
    calibration = _calibration_folder(tmp_path / 'cal', osp.join(root, 'images', 'training'),
                                      good=1)
    target = tmp_path / 'int8.onnx'
    out, err = cli('export', '--config', config, '--checkpoint', ckpt, '--int8',
                   '--calibration', calibration, '--out', str(target), cwd=tmp, code=1)
    assert 'needs at least 2 readable images; 1 of 3 could be read' in err, err
    assert '--calibration IMAGE_OR_DIR' in err and 'Traceback' not in err
    assert sorted(os.listdir(tmp_path)) == ['cal']


def test_onnx_file_without_our_metadata_is_refused(tmp_path):
    model = torch.nn.Conv2d(3, 7, 1).eval()  # any graph that `export` did not write
    to_onnxruntime(model, torch.randn(1, 3, 32, 32), path=str(tmp_path / 'b.onnx'))
    from mmseg_inceptionnext.deploy.segmentor import OnnxSegmentor
    with pytest.raises(ValueError, match='export --config'):
        OnnxSegmentor(str(tmp_path / 'b.onnx'))


def test_fidelity_reports_every_form_against_eager(trained, tiny, tmp_path, cli):
    (tmp, _, root, _), (tiny_config, ckpt) = trained, tiny
    out = tmp_path / 'fidelity.json'
    config = tmp / 'deploy_config.py'  # the fixture's data roots, as a user config
    config.write_text(f'_base_ = {tiny_config!r}\n'
                      f"train_dataloader = dict(dataset=dict(data_root={root!r}))\n"
                      f"test_dataloader = dict(dataset=dict(data_root={root!r}))\n"
                      f"val_dataloader = test_dataloader\n")
    calibration = _calibration_folder(tmp_path / 'cal', osp.join(root, 'images', 'training'))
    table, err = cli('fidelity', str(config), ckpt, '--forms', 'fused', 'onnx', 'int8',
                     '--calibration', calibration, '--json', str(out), cwd=tmp, code=1)
    assert err.count(f'skipped {calibration / "truncated.jpg"}') == 1, err
    assert '2 skipped:' in err, err
    payload = json.loads(out.read_text())
    metrics = payload['metrics']
    assert set(metrics) == {'eager', 'fused', 'onnx', 'int8'}
    # fp32 forms compute the same function: the same mIoU to rounding
    assert abs(metrics['onnx']['mIoU'] - metrics['eager']['mIoU']) < 0.05
    assert abs(metrics['fused']['mIoU'] - metrics['eager']['mIoU']) < 0.05
    cos = payload['stage_cosine']
    assert min(cos['onnx']) > 0.9999 and min(cos['int8']) < min(cos['onnx'])
    assert 'machine:' in table and 'int8' in table
    assert sorted(osp.basename(item['path']) for item in payload['skipped']) == [
        'notes.png', 'truncated.jpg']


def test_benchmark_reports_its_machine_and_onnxruntime_rows(tmp_path, capsys, monkeypatch):
    from mmseg_inceptionnext.cli import benchmark as cli
    out = tmp_path / 'b.json'
    exports = _count_exports(monkeypatch)
    # the specs of inceptionnext_t_ort(_int8) on the tiny architecture (a smaller graph to
    # export and quantize; the same steps)
    for name in ('inceptionnext_t_ort', 'inceptionnext_t_ort_int8'):
        spec = bm.MODEL_SPECS[name]
        assert spec.fused and spec.runtime == 'onnxruntime' and spec.int8 == name.endswith('8')
        tiny_spec = dataclasses.replace(spec, build=lambda: InceptionNeXtNet(TINY_INCEPTIONNEXT))
        monkeypatch.setitem(bm.MODEL_SPECS, name.replace('_t_', '_tiny_arch_'), tiny_spec)
    cli.main(['--models', 'inceptionnext_tiny_arch_ort', 'inceptionnext_tiny_arch_ort_int8',
              '--modes', 'infer', '--batch', '1', '--size', '32', '--warmup', '1', '--repeats',
              '1', '--baseline', 'inceptionnext_tiny_arch_ort', '--json', str(out)])
    printed = capsys.readouterr().out
    env = json.loads(out.read_text())['environment']
    assert env['cpu'] and isinstance(env['cpu_extensions'], list) and env['threads'] >= 1
    assert 'allocator' in env and env['onnxruntime']
    assert f"machine: {env['cpu']}" in printed and 'int8: this CPU' in printed
    rows = {r['model'] for r in json.loads(out.read_text())['results']}
    assert rows == {'inceptionnext_tiny_arch_ort', 'inceptionnext_tiny_arch_ort_int8'}
    assert len(exports) == 1  # the int8 row quantizes the fp32 row's graph (same weights)


def test_int8_note_names_missing_vnni(monkeypatch):
    from mmseg_inceptionnext.benchmark import machine
    monkeypatch.setattr(machine, 'cpu_extensions', lambda: ['AVX2'])
    assert 'lacks VNNI and AMX' in machine.int8_note()
    monkeypatch.setattr(machine, 'cpu_extensions', lambda: ['AVX2', 'AMX-INT8'])
    assert 'has AMX-INT8' in machine.int8_note()


def test_bf16_autocast_runs_on_the_cpu_and_fp16_is_refused():
    results = bm.run_benchmark(['inceptionnext_t_cl'], modes=['train', 'infer'], batch=2,
                               size=(64, 64), warmup=1, repeats=1, memory=False, amp='bf16',
                               baseline='inceptionnext_t_cl', log=lambda _: None)
    assert {(r.mode, r.ratio) for r in results} == {('train', 1.0), ('infer', 1.0)}
    with pytest.raises(ValueError, match='fp16.*CUDA'):
        bm.run_benchmark(['inceptionnext_t_cl'], amp='fp16', log=lambda _: None)


def test_segmentor_benchmark_times_onnxruntime_forms(tiny, capsys, monkeypatch):
    from mmseg_inceptionnext.cli import benchmark as cli
    exports = _count_exports(monkeypatch)
    cli.main(['--segmentor', tiny[0], '--shape', '64', '64', '--warmup', '1', '--repeats', '1',
              '--onnx', '--int8', '--no-memory'])
    table = capsys.readouterr().out
    for label in ('tiny_upernet ', 'tiny_upernet+ort ', 'tiny_upernet+ort+int8 '):
        assert label in table
    assert len(exports) == 1


def test_an_int8_row_shares_only_the_graph_of_the_same_network():
    from mmseg_inceptionnext.benchmark.timing import _graph_key
    x = torch.randn(1, 3, 32, 32)
    one, same = (randomize_(InceptionNeXtNet(TINY_INCEPTIONNEXT), seed=1) for _ in range(2))
    other = randomize_(InceptionNeXtNet(TINY_INCEPTIONNEXT), seed=2)
    assert _graph_key(one, x) == _graph_key(same, x)
    assert _graph_key(one, x) != _graph_key(other, x)
    assert _graph_key(one, x) != _graph_key(one, torch.randn(1, 3, 64, 32))
