"""The plugin inside a user's project, driven by OpenMMLab's own tools.

A temporary project folder outside the repository holds a user config that inherits one of
our demo configs by name and adds ``custom_imports``, as the README shows. On tiny generated
data, for MMSegmentation and MMDetection alike:

- the stock ``tools/train.py`` shipped in the installed wheel (``<pkg>/.mim/tools``) trains
  and resumes; our CLI trains too (both write ``SafeCheckpointHook``'s format, which the
  configs ask for);
- the stock ``tools/test.py``, the inferencer and ``init_model`` / ``init_detector`` load
  the checkpoints of both (the exact weights) tensors-only, on every stack;
- our CLI tests a checkpoint written by the stock tools, and the stock tools resume ours;
- a checkpoint whose unpickling would run code is refused by every one of these entry points
  and nothing of it runs.

The stock tools run as in a user's session, one after the other in a fresh process: one
process trains and resumes, one uses the checkpoints (tests/stock_entry_points.py ``train``
and ``use``, the refusals first). Our CLI trains in the test's process.
"""
import json
import re

import pytest
import torch

from mmseg_inceptionnext.synthetic import make_ade20k_like, make_coco_like
from tests import stock_entry_points
from tests.conftest import RunsCode, check_here, run_python, user_env
from tests.stock_entry_points import steps_of

pytestmark = pytest.mark.stacks  # runs on every stack (docs/stacks.md)

COMMON = """custom_imports = dict(imports=['mmseg_inceptionnext'], allow_failed_imports=False)
train_cfg = dict(max_iters=4, val_interval=4)
default_hooks = dict(checkpoint=dict(interval=2), logger=dict(interval=1))
train_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False)
val_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False)
test_dataloader = val_dataloader
"""
TOOLBOXES = {
    'mmseg': dict(base='demo/upernet_inceptionnext_a_synthetic.py', metric='mIoU', best='mIoU',
                  image='data/synthetic_ade/ADEChallengeData2016/images/validation/'
                        'ADE_val_00000001.jpg'),
    'mmdet': dict(base='demo/mask_rcnn_inceptionnext_a_synthetic.py', metric='coco/segm_mAP',
                  best='coco/bbox_mAP',
                  image='data/synthetic_coco/val2017/000000000001.jpg'),
}


def run(*args, cwd):
    """A command as a user runs it in their project: a fresh interpreter, the installed
    package, one thread (robust on a small shared CPU)."""
    proc = run_python(*args, cwd=cwd, env=user_env(OMP_NUM_THREADS='1'))
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    return out


def result(out):
    return json.loads(re.search(r'^RESULT (.*)$', out, flags=re.M).group(1))


@pytest.fixture(scope='module', params=sorted(TOOLBOXES))
def project(request, tmp_path_factory):
    """A user's project with a config of ours inherited by name, trained 2 iterations by our
    CLI and, in one fresh process, 2 iterations by the stock train.py (keeping the best
    checkpoint, so a numpy metric lands in the checkpoint) then resumed to 4 by it."""
    toolbox = request.param
    spec = TOOLBOXES[toolbox]
    root = tmp_path_factory.mktemp(f'project_{toolbox}')
    if toolbox == 'mmseg':
        make_ade20k_like(root / 'data/synthetic_ade', num_train=8, num_val=4, size=(64, 64))
    else:
        make_coco_like(root / 'data/synthetic_coco', num_train=8, num_val=4, size=(96, 96))
    config = f'my_{toolbox}.py'
    (root / config).write_text(f"_base_ = 'mmseg_inceptionnext::{spec['base']}'\n" + COMMON)
    ours = check_here('-m', 'mmseg_inceptionnext', 'train', config, '--work-dir',
                      'work_dirs/ours', '--cfg-options', 'train_cfg.max_iters=2', cwd=root)
    steps = steps_of(run(stock_entry_points.__file__, 'train', toolbox, config, spec['best'],
                         cwd=root))
    logs = dict(stock=_text(steps, 'train.py'), resumed=_text(steps, 'train.py --resume'),
                ours=ours)
    return dict(toolbox=toolbox, root=root, config=config, logs=logs, **spec)


def test_stock_train_and_resume(project):
    root, logs = project['root'], project['logs']
    assert 'Iter(train) [2/2]' in logs['stock']
    assert re.search(r'Auto resumed from the latest checkpoint .*iter_2\.pth', logs['resumed'])
    assert 'Iter(train) [3/4]' in logs['resumed'] and 'Iter(train) [1/4]' not in logs['resumed']
    assert project['metric'] + ':' in logs['resumed']
    stock = torch.load(root / 'work_dirs/stock/iter_4.pth', weights_only=True)
    assert stock['meta']['iter'] == 4
    assert 'best_score' in stock['message_hub']['runtime_info']  # resumed from iter_2's
    # the configs' SafeCheckpointHook wrote it, in the stock tool too: tensors and numbers only
    assert stock['message_hub']['log_scalars']['train/loss']['__history_buffer__'] is True


CHECKPOINTS = ['work_dirs/stock/iter_4.pth', 'work_dirs/ours/iter_2.pth']
EVIL = 'evil.pth'


@pytest.fixture(scope='module')
def used(project):
    """The project's checkpoints used by the stock entry points and our CLI, and a checkpoint
    whose unpickling would run code offered to each of them, in one process
    (tests/stock_entry_points.py ``use``): ``{step name: (output, 'ok' or the error)}``."""
    root = project['root']
    # a new work dir whose last_checkpoint names ours: the resumed run writes there
    work = root / 'work_dirs/ours_resumed'
    work.mkdir()
    (work / 'last_checkpoint').write_text(str(root / CHECKPOINTS[1]))
    ckpt = torch.load(root / CHECKPOINTS[0], weights_only=True)
    ckpt['meta']['payload'] = RunsCode(root / 'code_ran')
    torch.save(ckpt, root / EVIL)
    out = run(stock_entry_points.__file__, 'use', project['toolbox'], project['config'],
              project['image'], *CHECKPOINTS, str(work), EVIL, cwd=root)
    return steps_of(out)


def _text(steps, name):
    """The output of the step ``name``, which must have ended well."""
    assert name in steps, sorted(steps)
    text, end = steps[name]
    assert end == 'ok', text[-4000:]
    return text


@pytest.mark.parametrize('checkpoint', CHECKPOINTS, ids=lambda p: p.split('work_dirs/')[1])
def test_stock_test_loads_both_kinds(project, used, checkpoint):
    out = _text(used, f'test.py {checkpoint}')
    assert re.search(rf'{re.escape(project["metric"])}: \d', out), out[-2000:]


def test_inferencer_and_init_model_load_both_kinds(project, used):
    got = result(_text(used, 'apis'))
    size = 64 if project['toolbox'] == 'mmseg' else 96
    for ckpt in CHECKPOINTS:
        assert got[ckpt] == dict(inferencer_weights=True, init_model_weights=True,
                                 same_prediction=True, shape=[size, size]), (ckpt, got)


def test_our_cli_tests_a_stock_checkpoint(project, used):
    out = _text(used, 'our test')
    assert re.search(rf'{re.escape(project["metric"])}\'?: \d', out), out[-2000:]


def test_stock_train_resumes_our_checkpoint(used):
    out = _text(used, 'train.py --resume')
    assert re.search(r'Auto resumed from the latest checkpoint .*ours/iter_2\.pth', out)
    assert 'Iter(train) [4/4]' in out and 'Iter(train) [1/4]' not in out


def test_pickled_code_is_refused_by_every_entry_point(project, used):
    errors = result(_text(used, 'refuse'))
    assert set(errors) == {'inferencer', 'init_model', 'train.py --resume', 'test.py',
                           'mmseg-inceptionnext test'}
    for entry, error in errors.items():
        assert error and 'Weights only load failed' in error and 'system' in error, (entry, error)
        assert 'Refused to load checkpoint' in error, (entry, error)  # by our loader
    cli = errors['mmseg-inceptionnext test']  # our CLI also says what to do
    assert 'The checkpoint holds pickled Python objects and was refused' in cli, cli[-2000:]
    assert '--unsafe-pickle' in cli
    assert not (project['root'] / 'code_ran').exists()
