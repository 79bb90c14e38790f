"""Bad samples, through the real tools on generated data: skipped and counted in training
(MMSegmentation and MMDetection, dataloader workers, the stock mmseg train.py; two processes:
tests/e2e/test_distributed.py), an error naming the file in testing, and a clear stop above the
limit."""
import json
import os
import os.path as osp
import re

import numpy as np
import pytest
from PIL import Image

from mmseg_inceptionnext.synthetic import make_ade20k_like, make_coco_like
from tests.conftest import DEMO_DET as DET_DEMO
from tests.conftest import DEMO_SEG as SEG_DEMO
from tests.conftest import TOOLS, run_here, run_python
from tests.stock_entry_points import stock_tool

pytestmark = pytest.mark.stacks  # runs on every stack (docs/stacks.md)

SKIPPED = 'Skipped a bad training sample: '


def _seg_options(root, iters=4, workers=0):
    return ['--cfg-options', f'train_dataloader.dataset.data_root={root}',
            f'val_dataloader.dataset.data_root={root}', f'test_dataloader.dataset.data_root={root}',
            f'train_cfg.max_iters={iters}', 'train_cfg.val_interval=1000',  # no validation
            f'default_hooks.checkpoint.interval={iters}', 'train_dataloader.batch_size=2',
            f'train_dataloader.num_workers={workers}',
            f'train_dataloader.persistent_workers={workers > 0}',
            'val_dataloader.num_workers=0', 'val_dataloader.persistent_workers=False',
            'param_scheduler.0.end=1', 'param_scheduler.1.begin=1',
            f'param_scheduler.1.end={iters}', 'model.decode_head.channels=16',
            'model.auxiliary_head.channels=8']


def _truncate(path):
    data = open(path, 'rb').read()
    open(path, 'wb').write(data[:len(data) // 2])


def _ade(tmp, name, **bad):
    """A tiny ADE20K-layout set; ``bad`` maps a kind of damage to a training index."""
    make_ade20k_like(tmp / name, num_train=8, num_val=2, size=(64, 64))
    root = tmp / name / 'ADEChallengeData2016'
    img = root / 'images' / 'training' / 'ADE_train_{:08d}.jpg'
    ann = root / 'annotations' / 'training' / 'ADE_train_{:08d}.png'
    files = {}
    if 'truncated' in bad:
        files['truncated'] = str(img).format(bad['truncated'])
        _truncate(files['truncated'])
    if 'missing_ann' in bad:
        files['missing_ann'] = str(ann).format(bad['missing_ann'])
        os.remove(files['missing_ann'])
    if 'wrong_size' in bad:
        files['wrong_size'] = str(ann).format(bad['wrong_size'])
        Image.fromarray(np.ones((32, 48), np.uint8)).save(files['wrong_size'])
    if 'bad_labels' in bad:  # 200 - 1 (reduce_zero_label) is no class of 7
        files['bad_labels'] = str(ann).format(bad['bad_labels'])
        label = np.array(Image.open(files['bad_labels']))
        label[:8, :8] = 200
        Image.fromarray(label).save(files['bad_labels'])
    return str(root), files


def _with_limit(tmp, base, max_skipped):
    config = tmp / f'limit_{max_skipped}.py'
    config.write_text(f'_base_ = {base!r}\n'
                      f"custom_hooks = [dict(type='BadSampleHook', max_skipped={max_skipped})]\n")
    return str(config)


@pytest.fixture(scope='module')
def seg_run(tmp_path_factory):
    """Training on a set with one bad sample of each kind (limit 4), one dataloader worker."""
    tmp = tmp_path_factory.mktemp('bad_seg')
    root, files = _ade(tmp, 'data', truncated=2, missing_ann=4, wrong_size=6, bad_labels=7)
    work = tmp / 'work'
    code, log = run_here(osp.join(TOOLS, 'train.py'), _with_limit(tmp, SEG_DEMO, 4),
                         '--work-dir', work, *_seg_options(root, iters=6, workers=1), cwd=tmp)
    return tmp, root, files, work, code, log


def test_bad_training_samples_are_skipped_named_and_counted(seg_run):
    tmp, _, files, work, code, log = seg_run
    assert code == 0, log[-3000:]
    reasons = {'truncated': 'image cannot be decoded', 'missing_ann': 'annotation file is missing',
               'wrong_size': 'annotation is 32x48 but its image is 64x64',
               'bad_labels': 'annotation has labels [199] outside the 7 classes'}
    for kind, path in files.items():
        assert log.count(f'{SKIPPED}{path}: {reasons[kind]}') == 1, kind  # once per file
    assert 'Bad training samples skipped: 4 (limit 4).' in log
    log_file, = work.glob('*/*.log')  # the run's own log file says the same
    assert 'Bad training samples skipped: 4 (limit 4).' in log_file.read_text()
    assert (work / 'iter_6.pth').is_file()


def test_more_bad_samples_than_the_limit_stop_the_run(seg_run):
    tmp, root, files, _, _, _ = seg_run
    # the default limit is 1 % of the 8 samples, at least one: the second bad sample stops it
    code, log = run_here(osp.join(TOOLS, 'train.py'), SEG_DEMO, '--work-dir', tmp / 'limit',
                         *_seg_options(root), cwd=tmp)
    assert code != 0
    found = re.search(r'TooManyBadSamplesError: (\d) training samples could not be used, more '
                      r'than the limit of 1 \(max_skipped=0.01 of 8 samples\)', log)
    assert found and 'the dataset itself is wrong' in log and "max_skipped=...)]" in log
    error = log[found.start():]
    assert sum(path in error for path in files.values()) == int(found.group(1)) >= 2


DAMAGED_TESTS = [('truncated', 1), ('missing_ann', 0)]


@pytest.fixture(scope='module')
def damaged_tests(seg_run):
    """tools/test.py on a test set with a truncated image (one dataloader worker) and on one
    with a missing annotation, one after the other in this process: ``{damage: (damaged file,
    output, exit code)}``."""
    tmp, _, _, work, code, _ = seg_run
    assert code == 0
    runs = {}
    for damage, workers in DAMAGED_TESTS:
        root, _ = _ade(tmp, f'test_{damage}')
        val = osp.join(root, 'images' if damage == 'truncated' else 'annotations', 'validation',
                       'ADE_val_00000002.' + ('jpg' if damage == 'truncated' else 'png'))
        _truncate(val) if damage == 'truncated' else os.remove(val)
        code, log = run_here(osp.join(TOOLS, 'test.py'), SEG_DEMO, work / 'iter_6.pth',
                             '--work-dir', tmp / f'eval_{damage}', '--cfg-options',
                             f'test_dataloader.dataset.data_root={root}',
                             f'test_dataloader.num_workers={workers}',
                             'test_dataloader.persistent_workers=False',
                             'model.decode_head.channels=16', 'model.auxiliary_head.channels=8',
                             cwd=tmp)
        runs[damage] = (val, log, code)
    return runs


@pytest.mark.parametrize('damage, workers', DAMAGED_TESTS)
def test_bad_test_sample_is_an_error_naming_the_file(damaged_tests, damage, workers):
    val, log, code = damaged_tests[damage]
    assert code != 0
    what = 'image cannot be decoded' if damage == 'truncated' else 'annotation file is missing'
    assert f'BadSampleError: {val}: {what}' in log
    assert 'Validation and testing never skip samples' in log and "'mIoU':" not in log


def test_stock_mmseg_train_skips_a_corrupt_image_through_our_config(tmp_path):
    root, files = _ade(tmp_path, 'data', truncated=5)
    # the stock tool as a user runs it: a fresh interpreter, our package only by the config
    proc = run_python(stock_tool('mmseg', 'train.py'), SEG_DEMO, '--work-dir', tmp_path / 'w',
                      *_seg_options(root, iters=4), cwd=tmp_path)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-3000:]
    assert log.count(f"{SKIPPED}{files['truncated']}: image cannot be decoded") == 1
    assert 'Bad training samples skipped: 1 (limit 1).' in log


def test_detection_training_skips_bad_images_and_annotations(tmp_path):
    root = tmp_path / 'coco'
    make_coco_like(root, num_train=8, num_val=2, size=(64, 64))
    truncated = str(root / 'train2017' / '000000000003.jpg')
    _truncate(truncated)
    ann_file = root / 'annotations' / 'instances_train2017.json'
    coco = json.loads(ann_file.read_text())
    coco['images'][4].update(height=128, width=96)  # an entry that is not this image
    ann_file.write_text(json.dumps(coco))
    resized = str(root / 'train2017' / coco['images'][4]['file_name'])
    code, log = run_here(osp.join(TOOLS, 'train.py'), _with_limit(tmp_path, DET_DEMO, 2),
                         '--work-dir', tmp_path / 'w', '--cfg-options',
                         f'train_dataloader.dataset.data_root={root}/',
                         f'val_dataloader.dataset.data_root={root}/',
                         f'val_evaluator.ann_file={root}/annotations/instances_val2017.json',
                         'train_cfg.max_iters=4', 'train_cfg.val_interval=100',
                         'default_hooks.checkpoint.interval=4', 'train_dataloader.batch_size=2',
                         'train_dataloader.num_workers=0',
                         'train_dataloader.persistent_workers=False',
                         'val_dataloader.num_workers=0', 'val_dataloader.persistent_workers=False',
                         cwd=tmp_path)
    assert code == 0, log[-3000:]
    assert log.count(f'{SKIPPED}{truncated}: image cannot be decoded') == 1
    assert log.count(f'{SKIPPED}{resized}: the annotation file gives this image as 128x96, the '
                     f'image file is 64x64') == 1
    assert 'Bad training samples skipped: 2 (limit 2).' in log


def _guard(**kwargs):
    from mmseg_inceptionnext.safety import BadSampleGuard
    pipeline = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'),
                dict(type='PackSegInputs')]
    return BadSampleGuard(pipeline, **kwargs)


def _sample(root, index):
    return dict(img_path=f'{root}/images/training/ADE_train_{index:08d}.jpg',
                seg_map_path=f'{root}/annotations/training/ADE_train_{index:08d}.png',
                reduce_zero_label=True, seg_fields=[], sample_idx=index - 1)


def test_guard_reports_skipped_files_with_the_next_sample_and_refuses_in_evaluation(tmp_path):
    from mmengine.registry import init_default_scope

    from mmseg_inceptionnext.safety.bad_samples import REPORT_KEY, BadSampleError
    init_default_scope('mmseg')
    root, files = _ade(tmp_path, 'data', bad_labels=1, truncated=2)
    guard = _guard(num_classes=7)
    assert guard(_sample(root, 1)) is None and guard(_sample(root, 2)) is None
    assert guard(_sample(root, 1)) is None  # reported once per process
    good = guard(_sample(root, 3))
    report = good['data_samples'].metainfo[REPORT_KEY]
    assert [path for path, _ in report] == [files['bad_labels'], files['truncated']]
    assert REPORT_KEY not in guard(_sample(root, 4))['data_samples'].metainfo
    assert _guard(num_classes=None)(_sample(root, 1)) is not None  # labels unchecked
    with pytest.raises(BadSampleError, match=re.escape(files['truncated'])):
        _guard(on_bad='raise', num_classes=7)(_sample(root, 2))
    with pytest.raises(ValueError, match=r'the whole pipeline up to its Pack\* step'):
        type(guard)([dict(type='LoadImageFromFile')])


def test_guard_stops_when_every_sample_is_bad(tmp_path):
    from mmengine.registry import init_default_scope

    from mmseg_inceptionnext.safety.bad_samples import BadSampleError
    init_default_scope('mmseg')
    root, _ = _ade(tmp_path, 'data')
    guard = _guard(max_consecutive=5)
    for index in range(1, 5):  # e.g. a wrong annotation directory: nothing loads
        assert guard(dict(_sample(root, index), seg_map_path=f'{root}/nowhere/{index}.png')) is None
    with pytest.raises(BadSampleError, match='5 training samples in a row could not be used, so '
                       'the dataset or its paths are wrong'):
        guard(dict(_sample(root, 5), seg_map_path=f'{root}/nowhere/5.png'))


@pytest.mark.parametrize('value', [-1, 0.0, 1.0, 1.5, True, 'all'])
def test_bad_sample_hook_limit_must_be_a_count_or_a_fraction(value):
    from mmseg_inceptionnext.safety import BadSampleHook
    with pytest.raises(ValueError, match='max_skipped must be an int >= 0'):
        BadSampleHook(max_skipped=value)
