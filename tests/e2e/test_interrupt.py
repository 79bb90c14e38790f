"""A run killed with SIGKILL and resumed ends with the same weights as an uninterrupted one;
a checkpoint cut short by the kill is never the one resumed from.

The killed run has a process of its own (``subprocess.Popen``); the others run
in the test's process (:func:`~tests.conftest.run_here`). All of them switch torch to
deterministic algorithms (``randomness.deterministic``), a process-wide setting that the
module's tests set back afterwards."""
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
from tests.conftest import TOOLS, run_here, user_env

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


@pytest.fixture(scope='module', autouse=True)
def _deterministic_set_back():
    enabled = torch.are_deterministic_algorithms_enabled()
    yield
    torch.use_deterministic_algorithms(enabled)


def _train_here(*args, cwd):
    code, log = run_here(*args, cwd=cwd)
    assert code == 0, log[-3000:]
    return log


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('interrupt')
    make_ade20k_like(tmp / 'data', num_train=8, num_val=2, size=(64, 64))
    return tmp, str(tmp / 'data' / 'ADEChallengeData2016')


@pytest.fixture(scope='module')
def whole(data):
    """The uninterrupted run: a checkpoint every 2 iterations, all kept."""
    tmp, root = data
    _train_here(*_cmd(root, tmp / 'whole'), cwd=tmp)
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
    log = _train_here(*_cmd(root, tmp / 'killed', '--resume'), cwd=tmp)
    assert 'resumed epoch: 0, iter: ' in log
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
    log = _train_here(*_cmd(root, work, '--resume'), 'train_cfg.max_iters=4', cwd=tmp)
    assert 'is missing or incomplete' in log and 'resuming from' in log
    assert 'resumed epoch: 0, iter: 2' in log
    shutil.rmtree(work)
