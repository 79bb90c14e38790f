"""Shared test helpers: tiny architectures and reference-model randomisation."""
import os

import pytest
import torch
from torch import nn

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
DEMO_SEG = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'configs',
                        'demo', 'upernet_inceptionnext_a_synthetic.py')
TINY_SEG = (f'_base_ = {DEMO_SEG!r}\n'
            'dims = [8, 16, 24, 32]\n'
            'model = dict(backbone=dict(arch=dict(_delete_=True, depths=[1, 1, 1, 1], dims=dims,\n'
            '                                     band_kernel_size=5, branch_ratio=0.25)),\n'
            '             decode_head=dict(in_channels=dims, channels=16),\n'
            '             auxiliary_head=dict(in_channels=dims[2], channels=8))\n')


@pytest.fixture
def tiny_arch():
    return dict(TINY_INCEPTIONNEXT)


def assert_baseline_differs_only_in_backbone(path, head):
    """A ConvNeXt baseline config under configs/baselines/ equals the InceptionNeXt-T config
    on the same bases in every setting but the backbone (heads, data, schedule, optimizer,
    TTA). Needs CONVNEXT_CKPT_DIR=/convnext in the environment."""
    import os.path as osp

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


#: The test files whose work takes longest (end-to-end runs), longest first, as measured on
#: the 2-core machine. `make test` hands whole files to its two workers in collection order
#: (`--dist loadfile --no-loadscope-reorder`): starting these first keeps a long file from
#: starting last and running alone while the other worker idles.
LONG_FILES = ('test_deploy.py', 'test_plugin_import.py', 'test_benchmark.py', 'test_stock_tools.py',
              'test_det_configs.py', 'test_wheel.py', 'test_configs.py', 'test_interrupt.py',
              'test_bad_samples.py', 'test_inceptionnext_parity.py', 'test_divergence.py',
              'test_export.py', 'test_train_pipeline.py')


def multiprocess_files():
    """The Makefile's ``MULTIPROCESS`` files, which its second pytest run collects."""
    import os.path as osp
    import re
    root = osp.dirname(osp.dirname(osp.abspath(__file__)))
    with open(osp.join(root, 'Makefile')) as f:
        line = re.search(r'^MULTIPROCESS\s*:?=(.*)$', f.read(), flags=re.M).group(1)
    return {osp.join(root, name) for name in line.split()}


def pytest_collection_modifyitems(config, items):
    """Refuse a multiprocess test that `make test` would not collect; collect the long files
    first (a stable sort: each file's own order is kept)."""
    marked = {str(item.path) for item in items if item.get_closest_marker('multiprocess')}
    missing = sorted(marked - multiprocess_files())
    if missing:
        raise pytest.UsageError(f'{missing} hold tests marked multiprocess but are not in the '
                                "Makefile's MULTIPROCESS list: add them there, or `make test` "
                                'never runs those tests.')
    rank = {name: i for i, name in enumerate(LONG_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(LONG_FILES)))
