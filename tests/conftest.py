"""Shared test helpers: the repository's paths, tiny architectures, reference-model
randomisation, and runs of our tools, in this process or in a fresh interpreter."""
import contextlib
import gc
import io
import os
import os.path as osp
import subprocess
import sys
import traceback
import warnings

import pytest
import torch
from torch import nn

#: The repository's root folder (the tests sit one or two levels below it).
ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
TOOLS = osp.join(ROOT, 'tools')

# Inductor's compiled kernels are kept beside the mmcv wheel of scripts/install.sh (outside the
# repository, kept between runs as that wheel is), instead of /tmp: a graph compiled by an
# earlier run (the same code, torch and CPU) is loaded, not compiled again (the two compile
# tests: 36 s and 5 s with an empty cache, 7 s and 1 s with it, run alone on the 2-core Xeon). A
# changed model gives another graph, which compiles. TORCHINDUCTOR_CACHE_DIR, if set, wins.
os.environ.setdefault('TORCHINDUCTOR_CACHE_DIR', os.path.join(
    os.environ.get('MMSEG_INCEPTIONNEXT_CACHE', os.path.expanduser('~/.cache/mmseg_inceptionnext')),
    'inductor'))

if os.environ.get('PYTEST_XDIST_WORKER'):
    # `make test` runs one pytest-xdist worker per core: each worker (and every process it
    # starts) computes on one thread, so that the workers do not oversubscribe the cores.
    for _var in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
        os.environ[_var] = '1'
    torch.set_num_threads(1)

#: A tiny InceptionNeXt (channels 8..32) that keeps the suite fast.
TINY_INCEPTIONNEXT = dict(depths=(1, 1, 2, 1), dims=(8, 16, 24, 32), band_kernel_size=5,
                          branch_ratio=0.25)


@torch.no_grad()
def randomize_(model: nn.Module, seed: int = 0) -> nn.Module:
    """Give every parameter and BN statistic a random value, so that parity checks see
    non-trivial layer scales, norms and running statistics (not the near-identity init)."""
    gen = torch.Generator().manual_seed(seed)
    for name, tensor in model.state_dict().items():
        if not tensor.is_floating_point():
            continue
        if name.endswith('running_var'):
            tensor.copy_(torch.rand(tensor.shape, generator=gen) + 0.5)
        elif name.endswith('gamma') or name.endswith('running_mean'):
            tensor.copy_(torch.randn(tensor.shape, generator=gen) * 0.5)
        else:
            tensor.copy_(torch.randn(tensor.shape, generator=gen) * 0.1)
    return model


#: The demo segmentor (UperNet + InceptionNeXt-atto on the synthetic ADE20K layout) with one
#: block per stage and narrow heads: what Inductor compiles and the ONNX exporter traces in
#: less time than the demo's (Inductor: 48 s against 59 s on the 2-core AMD EPYC, cache cold).
DEMO_SEG = osp.join(ROOT, 'configs', 'demo', 'upernet_inceptionnext_a_synthetic.py')
TINY_SEG = (f'_base_ = {DEMO_SEG!r}\n'
            'dims = [8, 16, 24, 32]\n'
            'model = dict(backbone=dict(arch=dict(_delete_=True, depths=[1, 1, 1, 1], dims=dims,\n'
            '                                     band_kernel_size=5, branch_ratio=0.25)),\n'
            '             decode_head=dict(in_channels=dims, channels=16),\n'
            '             auxiliary_head=dict(in_channels=dims[2], channels=8))\n')
#: The demo detector (Mask R-CNN + InceptionNeXt-atto on the synthetic COCO layout).
DEMO_DET = osp.join(ROOT, 'configs', 'demo', 'mask_rcnn_inceptionnext_a_synthetic.py')


@pytest.fixture
def tiny_arch():
    return dict(TINY_INCEPTIONNEXT)


def assert_baseline_differs_only_in_backbone(path, head):
    """A ConvNeXt baseline config under configs/baselines/ equals the InceptionNeXt-T config
    on the same bases in every setting but the backbone (heads, data, schedule, optimizer,
    TTA). Needs CONVNEXT_CKPT_DIR=/convnext in the environment."""
    from mmengine.config import Config

    from mmseg_inceptionnext.recipes import DROP_PATH_RATES
    from tests.config_diff import differences, not_covered, settings
    name = osp.basename(path)
    parent = osp.join(osp.dirname(osp.dirname(path)), name.replace('_convnext_', '_inceptionnext_'))
    assert Config.fromfile(path).model.backbone == dict(
        type='TimmConvNeXt', arch='tiny', out_indices=(0, 1, 2, 3),
        drop_path_rate=DROP_PATH_RATES[('convnext', head, 'tiny')],
        out_norm_cfg=dict(type='ChannelsFirstLN', eps=1e-6),
        init_cfg=dict(type='Pretrained', checkpoint='/convnext/convnext_tiny_1k_224.pth'))
    differ = differences(settings(path), settings(parent))
    assert differ and not not_covered(differ, ['model.backbone'])


def run_here(*args, cwd):
    """``python -W ignore ARGS`` run in this process, in the folder ``cwd``: ``ARGS`` is a script
    (one of ``tools/``, or any other) and its arguments, or ``-m mmseg_inceptionnext COMMAND
    ...`` (the command line's ``main``). Returns the exit code and the output: standard output
    and error, then the traceback of an exception that ended the run, as the interpreter prints
    it (exit code 1).

    For runs whose process state does not matter. What a run leaves behind in this process is
    what it leaves in a user's Python session: mmengine's named instances (logger, message hub,
    visualizer), named by config and second, so runs one after another get their own. A run
    whose process matters (imports and the start-up hook, environment read at import, stock
    OpenMMLab tools as users run them, signals, resource limits, several processes) goes
    through :func:`run_python`."""
    from mmseg_inceptionnext.cli import main
    from tests.stock_entry_points import run_as_main
    args = [str(a) for a in args]
    out = io.StringIO()
    before = os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out), \
                warnings.catch_warnings():
            warnings.simplefilter('ignore')
            try:
                if args[0] == '-m':
                    assert args[1] == 'mmseg_inceptionnext', args
                    code = main(args[2:])
                else:
                    code = run_as_main(args[0], args[1:])
            except SystemExit as exc:  # argparse's exit
                code = 0 if exc.code is None else exc.code
            except Exception:  # noqa: BLE001  (the run's end, judged by the test)
                traceback.print_exc(file=out)
                code = 1
    finally:
        os.chdir(before)
    return code, out.getvalue()


@pytest.fixture
def cli(capsys, monkeypatch):
    """``cli(*args, cwd=..., code=0)``: a command of ``python -m mmseg_inceptionnext`` run in
    this process through its ``main`` (what the module entry point calls), capsys capturing;
    returns its standard output and error after checking its exit code."""
    from mmseg_inceptionnext.cli import main

    def run(*args, cwd, code=0):
        monkeypatch.chdir(cwd)
        capsys.readouterr()
        try:
            got = main([str(a) for a in args])
        except SystemExit as exc:
            got = exc.code
        out, err = capsys.readouterr()
        assert got == code, out[-3000:] + err[-3000:]
        return out, err
    return run


def check_here(*args, cwd):
    """:func:`run_here`, which must end with exit code 0: its output."""
    code, out = run_here(*args, cwd=cwd)
    assert code == 0, out[-4000:]
    return out


def user_env(**variables):
    """This process's environment as a user's shell has it (no ``PYTHONPATH``: the installed
    package), with ``variables`` set. In `make test` it holds the worker's thread count
    (``OMP_NUM_THREADS=1``), which the processes started with it follow."""
    env = dict(os.environ, **variables)
    env.pop('PYTHONPATH', None)
    return env


def run_python(*args, cwd, env=None, timeout=900):
    """``python -W ignore ARGS`` in a fresh interpreter (this one), in the folder ``cwd``, with
    ``env`` (default :func:`user_env`): the :class:`subprocess.CompletedProcess`, its output
    captured as text."""
    return subprocess.run([sys.executable, '-W', 'ignore', *map(str, args)], cwd=cwd,
                          env=user_env() if env is None else env, capture_output=True, text=True,
                          timeout=timeout)


def run_script_here(capsys, path, *args):
    """``python PATH ARGS``, run in this process (the script as ``__main__``, with capsys
    capturing): ``(exit code, stdout, stderr)``. For tools that start no runner."""
    from tests.stock_entry_points import run_as_main
    capsys.readouterr()
    code = run_as_main(path, args)
    out, err = capsys.readouterr()
    return code, out, err


class RunsCode:
    """Unpickling it would create a file: the proof that code from a checkpoint ran."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (os.system, (f'touch {self.path}', ))


class Getattr:
    """Unpickling it calls ``getattr(obj, name)``."""

    def __init__(self, obj, name):
        self.obj, self.name = obj, name

    def __reduce__(self):
        return (getattr, (self.obj, self.name))


def load_without_allow_list(path):
    """``torch.load(path, weights_only=True)`` with torch's allow-list emptied for the call, as
    in a process that never imported this package (importing it allows mmengine's globals)."""
    saved = torch.serialization.get_safe_globals()
    torch.serialization.clear_safe_globals()
    try:
        return torch.load(path, map_location='cpu', weights_only=True)
    finally:
        torch.serialization.add_safe_globals(saved)


def pytest_collection_finish(session):
    """Once the test modules (and with them torch and OpenMMLab) are imported, their objects
    leave the garbage collector's view (``gc.freeze``): mmengine's datasets call
    ``gc.collect()`` each time one is built, which otherwise walks them all again (0.35 s each
    in a process with the plugin, mmseg, mmdet and ONNX Runtime imported; 53 s of one suite
    run's CPU time, py-spy)."""
    gc.freeze()


def pytest_collection_modifyitems(config, items):
    """A test marked ``multiprocess`` belongs in tests/e2e/: `make test` runs the multiprocess
    tests there, after the parallel part."""
    e2e = osp.join(ROOT, 'tests', 'e2e') + os.sep
    stray = sorted({str(item.path) for item in items if item.get_closest_marker('multiprocess')
                    and not str(item.path).startswith(e2e)})
    if stray:
        raise pytest.UsageError(f'{stray} hold tests marked multiprocess outside tests/e2e/, '
                                'where `make test` runs them: move them there.')
