"""A diverging loss stops the run before any bad checkpoint is written, a checkpoint that
cannot be written stops it with the previous one whole, and --resume goes on from there
(through tools/train.py on generated data); mixed-precision overflow steps do not stop it,
and a NaN arriving between checks is caught at save time (in-process)."""
import glob
import hashlib
import math
import os.path as osp
import shutil
import subprocess
import sys
from types import SimpleNamespace

import pytest
import torch
from torch import nn

from mmseg_inceptionnext.synthetic import make_ade20k_like
from tests.conftest import DEMO_SEG as CONFIG
from tests.conftest import TOOLS, run_here, user_env

# The tests marked `stacks` run on every stack (docs/stacks.md); the AMP one needs a CPU loss
# scaler, which torch has from 2.3 (torch.amp.GradScaler('cpu')).


def _train(root, work, iters, *extra, resume=False, max_file_kb=None):
    """tools/train.py on the demo: in this process, or with ``max_file_kb`` in a fresh one
    whose files cannot grow larger (``ulimit -f``: a full disk for the checkpoint writer)."""
    args = [osp.join(TOOLS, 'train.py'), CONFIG,
            '--work-dir', str(work), *(['--resume'] if resume else []), '--cfg-options',
            f'train_dataloader.dataset.data_root={root}',
            f'val_dataloader.dataset.data_root={root}',
            f'train_cfg.max_iters={iters}', 'train_cfg.val_interval=1000',
            'default_hooks.checkpoint.interval=2', 'default_hooks.checkpoint.max_keep_ckpts=1',
            'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
            'train_dataloader.persistent_workers=False', 'val_dataloader.num_workers=0',
            'val_dataloader.persistent_workers=False', 'param_scheduler.0.end=1',
            'param_scheduler.1.begin=1', 'param_scheduler.1.end=4',
            'model.decode_head.channels=16', 'model.auxiliary_head.channels=8', *extra]
    if max_file_kb is None:
        return run_here(*args, cwd=osp.dirname(str(work)))
    proc = subprocess.run(['bash', '-c', f'ulimit -f {max_file_kb} && exec "$@"', 'bash',
                           sys.executable, '-W', 'ignore', *args], cwd=osp.dirname(str(work)),
                          capture_output=True, text=True, env=user_env())
    return proc.returncode, proc.stdout + proc.stderr


def _finite(path):
    ckpt = torch.load(path, weights_only=True)
    tensors = list(ckpt['state_dict'].values()) + [
        t for state in ckpt['optimizer']['state'].values() for t in state.values()]
    return all(bool(torch.isfinite(t).all()) for t in tensors
               if isinstance(t, torch.Tensor) and t.is_floating_point())  # torch 2.1: None too


@pytest.fixture(scope='module')
def two_good_iterations(tmp_path_factory):
    """A run stopped after 2 good iterations (iter_2.pth), copied by each test."""
    tmp = tmp_path_factory.mktemp('divergence')
    make_ade20k_like(tmp / 'data', num_train=8, num_val=2, size=(64, 64))
    root = str(tmp / 'data' / 'ADEChallengeData2016')
    code, log = _train(root, tmp / 'good', 2)
    assert code == 0, log[-3000:]
    return tmp, root


def _copy(tmp, name):
    """A copy of the good run's work dir, its ``last_checkpoint`` pointing into the copy."""
    work = tmp / name
    shutil.copytree(tmp / 'good', work)
    (work / 'last_checkpoint').write_text(str(work / 'iter_2.pth'))
    return work


@pytest.mark.stacks
def test_nan_loss_stops_before_a_checkpoint_and_resume_goes_on(two_good_iterations):
    tmp, root = two_good_iterations
    work = _copy(tmp, 'nan')
    # iteration 3 diverges (a NaN-weighted loss term); a checkpoint is due after every step
    code, log = _train(root, work, 4, 'default_hooks.checkpoint.interval=1',
                       'model.auxiliary_head.loss_decode.loss_weight=nan', resume=True)
    assert code != 0
    assert 'NonFiniteLossError: Non-finite loss at iteration 3: loss=nan, decode.loss_ce=' in log
    assert 'aux.loss_ce=nan' in log and 'the optimizer step was not applied' in log
    assert f'The last good checkpoint is {work}/iter_2.pth' in log
    on_disk = sorted(glob.glob(str(work / '*.pth')))
    assert on_disk == [str(work / 'iter_2.pth')] and all(_finite(p) for p in on_disk)
    code, log = _train(root, work, 4, resume=True)  # the cause removed
    assert code == 0, log[-3000:]
    assert 'resumed epoch: 0, iter: 2' in log and _finite(work / 'iter_4.pth')


_FILE_SIZE_LIMIT_KB = 4 << 10  # 4 MB: too small for the 36 MB checkpoint


@pytest.mark.stacks
def test_failed_checkpoint_write_keeps_the_previous_one(two_good_iterations):
    tmp, root = two_good_iterations
    work = _copy(tmp, 'full')
    digest = hashlib.md5((work / 'iter_2.pth').read_bytes()).hexdigest()
    code, log = _train(root, work, 4, resume=True, max_file_kb=_FILE_SIZE_LIMIT_KB)
    assert code != 0
    assert (f"CheckpointWriteError: Could not write checkpoint '{work}/iter_4.pth': File too "
            f'large (EFBIG). Nothing was replaced or deleted: {work}/iter_2.pth is whole, and '
            f'--resume continues from it.') in log
    # max_keep_ckpts=1: mmengine deletes iter_2.pth before writing iter_4.pth; not here
    files = [sorted(p.name for p in d.iterdir() if p.is_file()) for d in (work, tmp / 'good')]
    assert files[0] == files[1] == ['iter_2.pth', 'last_checkpoint', osp.basename(CONFIG)]
    assert hashlib.md5((work / 'iter_2.pth').read_bytes()).hexdigest() == digest
    assert (work / 'last_checkpoint').read_text().strip() == str(work / 'iter_2.pth')
    code, log = _train(root, work, 4, resume=True)
    assert code == 0, log[-3000:]
    assert 'resumed epoch: 0, iter: 2' in log
    assert glob.glob(str(work / '*.pth')) == [str(work / 'iter_4.pth')]  # now iter_2 goes


# in-process: the hook's decisions ------------------------------------------------------------

def _runner(tmp_path, model, optim_wrapper):
    from mmengine.logging import MessageHub, MMLogger
    name = f'nonfinite-{id(model)}'
    return SimpleNamespace(model=model, optim_wrapper=optim_wrapper, iter=0, work_dir=str(tmp_path),
                           logger=MMLogger.get_instance(name),
                           message_hub=MessageHub.get_instance(name))


def _step(hook, runner, forward):
    hook.before_train_iter(runner, runner.iter)
    loss = forward()
    runner.optim_wrapper.update_params(loss)
    hook.after_train_iter(runner, runner.iter, outputs=dict(loss=loss.detach()))
    runner.iter += 1


def test_amp_overflow_steps_skipped_by_the_loss_scaler_do_not_stop_the_run(tmp_path,
                                                                            monkeypatch):
    from mmengine.optim.optimizer import amp_optimizer_wrapper as amp

    from mmseg_inceptionnext.safety import NonFiniteCheckHook
    monkeypatch.setattr(amp, 'is_cuda_available', lambda: True)  # mmengine's wrapper, on a CPU
    model = nn.Linear(1, 1, bias=False)
    nn.init.ones_(model.weight)
    wrapper = amp.AmpOptimWrapper(optimizer=torch.optim.SGD(model.parameters(), lr=0.1))
    wrapper.loss_scaler = torch.amp.GradScaler('cpu', init_scale=2.0**16)  # a CPU scaler
    runner = _runner(tmp_path, model, wrapper)
    hook = NonFiniteCheckHook()
    hook.before_train(runner)
    x = torch.ones(1, 1)
    # a finite loss whose gradients overflow once scaled by 2**16
    _step(hook, runner, lambda: (model(x) * 1e34).sum())
    assert wrapper.loss_scaler.get_scale() == 2.0**15 and hook.amp_skipped_steps == 1
    assert model.weight.item() == 1.0  # the scaler skipped the step; the run goes on
    _step(hook, runner, lambda: model(x).sum())
    assert model.weight.item() == pytest.approx(0.9) and hook.bad_steps == 0
    assert runner.message_hub.get_info('amp_skipped_steps') == 1


@pytest.mark.stacks
def test_nan_gradients_stop_or_are_skipped_and_counted(tmp_path):
    from mmengine.optim import OptimWrapper

    from mmseg_inceptionnext.safety import NonFiniteCheckHook
    from mmseg_inceptionnext.safety.nonfinite import NonFiniteLossError
    model = nn.Sequential(nn.BatchNorm1d(1), nn.Linear(1, 1))
    wrapper = OptimWrapper(optimizer=torch.optim.SGD(model.parameters(), lr=0.1))
    runner = _runner(tmp_path, model, wrapper)
    hook = NonFiniteCheckHook(max_bad_steps=1)
    hook.before_train(runner)
    x = torch.tensor([[1.0], [2.0]])
    _step(hook, runner, lambda: model(x).sum())
    before = {k: v.clone() for k, v in model.state_dict().items()}
    _step(hook, runner, lambda: model(x * math.nan).sum())  # poisons BN statistics and gradients
    assert hook.bad_steps == 1  # tolerated: skipped, counted, nothing changed
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key]), key
    with pytest.raises(NonFiniteLossError, match=r"Non-finite loss at iteration 3: loss=nan\. "
                       r"Non-finite gradients in \['0.weight', '1.weight'\]"
                       r".* No checkpoint had been written yet\."):
        _step(hook, runner, lambda: model(x * math.nan).sum())


@pytest.mark.stacks
def test_nan_arriving_between_checks_is_refused_at_save_time(tmp_path):
    from mmengine.hooks import Hook
    from mmengine.model import BaseModel
    from mmengine.runner import Runner

    from mmseg_inceptionnext.safety import NonFiniteCheckHook, SafeCheckpointHook
    from mmseg_inceptionnext.safety.nonfinite import NonFiniteCheckpointError

    class Toy(BaseModel):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(2, 1)

        def forward(self, inputs, data_samples=None, mode='tensor'):
            out = self.linear(torch.stack(inputs))
            return dict(loss=out.pow(2).mean()) if mode == 'loss' else out

    class Poison(Hook):  # after the loss check, before CheckpointHook
        priority = 'LOW'

        def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
            if runner.iter == 1:
                with torch.no_grad():
                    runner.model.linear.weight[0, 0] = math.inf

    from mmengine.dataset import pseudo_collate
    loader = torch.utils.data.DataLoader([dict(inputs=torch.ones(2))] * 8, batch_size=2,
                                         collate_fn=pseudo_collate)
    runner = Runner(
        model=Toy(), work_dir=str(tmp_path), train_dataloader=loader,
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        train_cfg=dict(by_epoch=False, max_iters=3),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1, by_epoch=False,
                                           max_keep_ckpts=1,
                                           backend_args=dict(backend='atomic_local'))),
        custom_hooks=[NonFiniteCheckHook(), Poison(), SafeCheckpointHook()])
    with pytest.raises(NonFiniteCheckpointError, match=r"Refusing to save a checkpoint at "
                       r"iteration 2: 1 entries hold NaN or inf, e\.g\. \['state_dict\.linear"
                       r"\.weight'\]\. Nothing was written; the last good checkpoint is "):
        runner.train()
    # max_keep_ckpts=1 had retired iter_1.pth for the refused iter_2.pth: it is kept
    assert glob.glob(str(tmp_path / '*.pth')) == [str(tmp_path / 'iter_1.pth')]
    assert not glob.glob(str(tmp_path / '*.tmp-*')) and _finite(tmp_path / 'iter_1.pth')


@pytest.mark.stacks
def test_a_non_finite_checkpoint_is_not_resumed_or_evaluated(tmp_path):
    from mmseg_inceptionnext.safety import NonFiniteCheckHook
    from mmseg_inceptionnext.safety.nonfinite import NonFiniteCheckpointError
    runner = SimpleNamespace(_load_from='work/iter_8.pth')
    checkpoint = dict(state_dict=dict(w=torch.tensor([1.0, math.nan])))
    with pytest.raises(NonFiniteCheckpointError, match=r"work/iter_8.pth holds NaN or inf in 1 "
                       r"entries, e\.g\. \['state_dict\.w'\].*--resume <earlier\.pth>"):
        NonFiniteCheckHook().after_load_checkpoint(runner, checkpoint)
    NonFiniteCheckHook().after_load_checkpoint(runner, dict(state_dict=dict(w=torch.ones(2))))
