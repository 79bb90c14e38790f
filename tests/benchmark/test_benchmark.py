"""The benchmark command and mmseg_inceptionnext/benchmark.py run end to end and report what
they measured (tiny inputs; the figures themselves are in docs/benchmarks.md)."""
import json
import os.path as osp
import re

import pytest

from mmseg_inceptionnext import benchmark as bm
from mmseg_inceptionnext.cli import benchmark as cli
from tests.conftest import DEMO_SEG, ROOT, TINY_SEG

BASELINE_SEG = osp.join(ROOT, 'configs', 'baselines', 'upernet_convnext_t_ade20k.py')


def _log(_):
    pass


def test_backbones_interleaved_with_ratios_and_memory():
    results = bm.run_benchmark(['inceptionnext_t_fused_cl', 'timm_convnext_tiny'],
                               modes=['train', 'infer'], batch=1, size=(32, 32), warmup=1,
                               repeats=2, log=_log)
    by = {(r.model, r.mode): r for r in results}
    # fused models are inference-only: no training row
    assert set(by) == {('timm_convnext_tiny', 'train'), ('inceptionnext_t_fused_cl', 'infer'),
                       ('timm_convnext_tiny', 'infer')}
    for r in results:
        assert len(r.step_ms_all) == 2 and r.img_per_s > 0
        assert r.peak_mem_mib is not None and r.peak_mem_mib >= 0
    assert by[('timm_convnext_tiny', 'infer')].ratio == 1.0
    fused = by[('inceptionnext_t_fused_cl', 'infer')]
    assert fused.ratio == pytest.approx(fused.img_per_s / by[('timm_convnext_tiny',
                                                                'infer')].img_per_s)


def test_unknown_model_names_are_listed():
    with pytest.raises(ValueError, match='Unknown model.*valid names'):
        bm.run_benchmark(['inceptionnext_x'], log=_log)


def test_segmentors_train_with_and_without_checkpointing(tmp_path):
    """The with_cp comparison of docs/benchmarks.md, at a toy size."""
    out = tmp_path / 'seg.json'
    cli.main(['--segmentor', DEMO_SEG, '--modes', 'train', '--shape', '64', '64',
              '--batch', '2', '--warmup', '1', '--repeats', '1', '--with-cp', 'both',
              '--json', str(out)])
    payload = json.loads(out.read_text())
    rows = payload['results']
    assert [r['model'] for r in rows] == ['upernet_inceptionnext_a_synthetic',
                                          'upernet_inceptionnext_a_synthetic+cp']
    assert all(r['mode'] == 'train' and r['img_per_s'] > 0 for r in rows)
    assert all(r['peak_mem_mib'] > 0 for r in rows)
    assert payload['environment']['torch']


def test_segmentors_side_by_side_with_the_convnext_baseline(capsys):
    cli.main(['--segmentor', DEMO_SEG, BASELINE_SEG, '--shape', '64', '64', '--warmup', '1',
              '--repeats', '1', '--fuse', '--channels-last', '--no-memory'])
    table = capsys.readouterr().out
    # --fuse applies to the InceptionNeXt backbone only
    assert 'upernet_inceptionnext_a_synthetic+fused+cl infer' in table
    assert 'upernet_convnext_t_ade20k+cl' in table and 'convnext_t_ade20k+fused' not in table


def test_fused_segmentor_training_is_refused():
    with pytest.raises(SystemExit):
        cli.main(['--segmentor', DEMO_SEG, '--modes', 'train', '--fuse'])


def test_compiled_segmentor_is_timed_beside_the_eager_one(capsys, tmp_path):
    config = tmp_path / 'tiny_upernet.py'
    config.write_text(TINY_SEG)
    cli.main(['--segmentor', str(config), '--shape', '64', '64', '--warmup', '1', '--repeats',
              '1', '--compile', '--no-memory'])
    table = capsys.readouterr().out
    assert re.search(r'^tiny_upernet\s+infer', table, flags=re.M), table
    assert re.search(r'^tiny_upernet\+compiled\s+infer', table, flags=re.M), table


def test_library_refuses_fused_or_compiled_training_before_building():
    """Checked up front, not inside the memory-probe child (where it would read as a crash)."""
    specs = [bm.SegmentorSpec(DEMO_SEG), bm.SegmentorSpec(DEMO_SEG, compiled=True)]
    with pytest.raises(ValueError, match=r'\+compiled.*inference only'):
        bm.run_segmentor_benchmark(specs, mode='train', shape=(64, 64), log=_log)
