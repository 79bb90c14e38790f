"""Two training processes on the CPU (gloo) through tools/dist_train.sh: the same steps as one
process, SyncBN's fallback, and the bad samples of both processes counted once."""
import os
import os.path as osp
import subprocess
import sys
import textwrap

import pytest
import torch

from mmseg_inceptionnext.synthetic import make_ade20k_like
from tests.conftest import DEMO_SEG as DEMO
from tests.conftest import ROOT, TOOLS
from tests.safety.test_bad_samples import SKIPPED, _ade, _seg_options, _with_limit

pytestmark = pytest.mark.multiprocess

# A batch-independent variant of the demo (LayerNorm backbone, GroupNorm heads, no dropout,
# no random augmentation), so that 2 processes x batch 2 must equal 1 process x batch 4.
EXACT = textwrap.dedent(f'''
    _base_ = {DEMO!r}
    gn = dict(type='GN', num_groups=8, requires_grad=True)
    model = dict(
        backbone=dict(_delete_=True, type='ConvNeSt', arch=dict(depths=(1, 1, 1, 1),
                      dims=(40, 80, 160, 320), expand_ratio=2), init_cfg=None),
        decode_head=dict(norm_cfg=gn, dropout_ratio=0.0, channels=64),
        auxiliary_head=dict(norm_cfg=gn, dropout_ratio=0.0, channels=32))
    train_dataloader = dict(dataset=dict(pipeline=[
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations', reduce_zero_label=True),
        dict(type='PackSegInputs')]))
''')


def _options(root, batch):
    return ['--cfg-options', f'train_dataloader.dataset.data_root={root}',
            f'val_dataloader.dataset.data_root={root}', 'train_cfg.max_iters=3',
            'train_cfg.val_interval=3', f'train_dataloader.batch_size={batch}',
            'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False',
            'val_dataloader.num_workers=0', 'val_dataloader.persistent_workers=False',
            'param_scheduler.0.end=1', 'param_scheduler.1.begin=1', 'param_scheduler.1.end=3',
            'default_hooks.checkpoint.interval=3']


def test_two_cpu_processes_match_one(tmp_path):
    make_ade20k_like(tmp_path / 'data', num_train=12, num_val=2, size=(64, 64))
    root = str(tmp_path / 'data' / 'ADEChallengeData2016')
    config = tmp_path / 'exact.py'
    config.write_text(EXACT)
    env = dict(os.environ, PYTHON=sys.executable, PORT='29531')
    dist = subprocess.run(['bash', osp.join(TOOLS, 'dist_train.sh'), str(config), '2',
                           '--work-dir', str(tmp_path / 'two'), *_options(root, 2)],
                          cwd=tmp_path, capture_output=True, text=True, env=env)
    assert dist.returncode == 0, dist.stderr[-3000:]
    # one process with batch 4, and the control (batch 2, other images per step), side by side,
    # each on one thread as torchrun gives its processes (two processes of two threads each on
    # two cores took 5 s to 12 s, varying from run to run; on one thread each, 1.8 s)
    one_thread = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    runs = {name: subprocess.Popen([sys.executable, '-W', 'ignore', osp.join(TOOLS, 'train.py'),
                                    str(config), '--work-dir', str(tmp_path / name),
                                    *_options(root, batch)],
                                   cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True, env=one_thread)
            for name, batch in (('one', 4), ('half', 2))}
    for run in runs.values():
        _, err = run.communicate()
        assert run.returncode == 0, err[-3000:]
    two, one = (torch.load(tmp_path / d / 'iter_3.pth', weights_only=True)['state_dict']
                for d in ('two', 'one'))
    for key, value in one.items():
        if value.is_floating_point():
            # the same 4 images per step; only the order of floating-point sums differs
            assert torch.allclose(two[key], value, rtol=1e-4, atol=1e-6), key
    # the control sees other images per step, and the check notices
    half = torch.load(tmp_path / 'half' / 'iter_3.pth', weights_only=True)['state_dict']
    assert not all(torch.allclose(half[k], v, rtol=1e-4, atol=1e-6)
                   for k, v in one.items() if v.is_floating_point())


@pytest.fixture(scope='module')
def demo_in_two_processes(tmp_path_factory):
    """The demo config (SyncBN heads) in two processes for 4 steps, on a set with a truncated
    image and a missing annotation (limit 2): ``(exit code, output, damaged files, work dir)``,
    read by the SyncBN and the bad-sample tests."""
    tmp = tmp_path_factory.mktemp('two_processes')
    root, files = _ade(tmp, 'data', truncated=3, missing_ann=6)
    env = dict(os.environ, PYTHONPATH=ROOT, PYTHON=sys.executable, PORT='29541')
    proc = subprocess.run(['bash', osp.join(TOOLS, 'dist_train.sh'), _with_limit(tmp, DEMO, 2),
                           '2', '--work-dir', str(tmp / 'w'), *_seg_options(root, iters=4)],
                          cwd=tmp, capture_output=True, text=True, env=env)
    return proc.returncode, proc.stdout + proc.stderr, files, tmp / 'w'


def test_syncbn_falls_back_to_bn_on_cpu_with_a_log_line(demo_in_two_processes):
    code, log, _, work = demo_in_two_processes
    assert code == 0, log[-3000:]
    assert 'SyncBN needs GPUs' in log and 'build BN here' in log
    assert osp.isfile(work / 'iter_4.pth')


def test_two_processes_count_the_bad_samples_of_both(demo_in_two_processes):
    code, log, files, _ = demo_in_two_processes
    assert code == 0, log[-3000:]
    for path in files.values():  # gathered from both processes, logged once
        assert log.count(f'{SKIPPED}{path}: ') == 1, path
    assert 'Bad training samples skipped: 2 (limit 2).' in log
