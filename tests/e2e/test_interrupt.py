"""A run killed with SIGKILL and resumed ends with the same weights as an uninterrupted one;
a checkpoint cut short by the kill is never the one resumed from.

Every run has a process of its own (:func:`~tests.conftest.run_python`): one is killed, and
all of them switch torch to deterministic algorithms (``randomness.deterministic``), a
process-wide setting."""
import os
import os.path as osp
import shutil
import signal
import subprocess
import sys
import time

import pytest
import torch

from mmseg_inceptionnext.synthetic import make_ade20k_like
from tests.conftest import DEMO_SEG as CONFIG
from tests.conftest import TOOLS, run_python, user_env

ITERS = 8


def _cmd(data_root, work_dir, *extra):
    return [osp.join(TOOLS, 'train.py'), CONFIG,
            '--work-dir', str(work_dir), *extra, '--cfg-options',
            f'train_dataloader.dataset.data_root={data_root}',
            f'val_dataloader.dataset.data_root={data_root}', f'train_cfg.max_iters={ITERS}',
            f'train_cfg.val_interval={ITERS}', 'default_hooks.checkpoint.interval=2',
            'default_hooks.checkpoint.max_keep_ckpts=10', 'train_dataloader.batch_size=2',
            'train_dataloader.num_workers=1', 'val_dataloader.num_workers=0',
            'val_dataloader.persistent_workers=False', 'param_scheduler.0.end=2',
            'param_scheduler.1.begin=2', f'param_scheduler.1.end={ITERS}',
            # randomness that a resume must reproduce: drop path, head dropout, augmentation
            'model.backbone.drop_path_rate=0.2', 'randomness.deterministic=True']


def _weights(path):
    return torch.load(path, weights_only=True)['state_dict']


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('interrupt')
    make_ade20k_like(tmp / 'data', num_train=8, num_val=2, size=(64, 64))
    return tmp, str(tmp / 'data' / 'ADEChallengeData2016')


@pytest.fixture(scope='module')
def whole(data):
    """The uninterrupted run: a checkpoint every 2 iterations, all kept."""
    tmp, root = data
    proc = run_python(*_cmd(root, tmp / 'whole'), cwd=tmp)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return tmp / 'whole'


def test_sigkill_then_resume_matches_uninterrupted_run(data, whole):
    tmp, root = data
    killed = subprocess.Popen([sys.executable, '-W', 'ignore', *_cmd(root, tmp / 'killed')],
                              cwd=tmp, env=user_env(), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    marker = tmp / 'killed' / 'last_checkpoint'
    deadline = time.time() + 300
    while not (marker.exists() and 'iter_4' in marker.read_text()):
        assert killed.poll() is None and time.time() < deadline, 'run ended before the kill'
        time.sleep(0.05)
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait()
    assert not osp.exists(tmp / 'killed' / f'iter_{ITERS}.pth')
    out = run_python(*_cmd(root, tmp / 'killed', '--resume'), cwd=tmp)
    assert out.returncode == 0, out.stderr[-3000:]
    assert 'resumed epoch: 0, iter: ' in out.stdout + out.stderr
    whole, resumed = (_weights(tmp / d / f'iter_{ITERS}.pth') for d in ('whole', 'killed'))
    assert whole.keys() == resumed.keys()
    for key, value in whole.items():
        assert torch.equal(value, resumed[key]), key


def test_half_written_checkpoint_is_skipped(data, whole):
    tmp, root = data
    work = tmp / 'half'  # the whole run as it stood after 4 iterations
    work.mkdir()
    for name in ('iter_2.pth', 'iter_4.pth'):
        shutil.copy(whole / name, work / name)
    (work / 'last_checkpoint').write_text(str(work / 'iter_4.pth'))
    # the kill came while iter_4.pth was being written by a non-atomic writer
    data_bytes = (work / 'iter_4.pth').read_bytes()
    (work / 'iter_4.pth').write_bytes(data_bytes[:len(data_bytes) // 3])
    out = run_python(*_cmd(root, work, '--resume'), 'train_cfg.max_iters=4', cwd=tmp)
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-3000:]
    assert 'is missing or incomplete' in log and 'resuming from' in log
    assert 'resumed epoch: 0, iter: 2' in log
    shutil.rmtree(work)
