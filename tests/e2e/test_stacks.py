"""What every supported stack must do (docs/stacks.md): configs by path and by name, our command
line's train / test / infer, and weights-only loading of every checkpoint mmengine reads.

Marked ``stacks``: ``make test-stacks`` runs these with the other ``stacks`` tests in each
environment of ``scripts/install.sh --stack NAME``; ``make test`` runs them in the current one.
Where stacks differ (torch < 2.6 has no allow-list for mmengine's own checkpoint format, nor
the dynamo exporter), each test states what that stack must do instead.
"""
import os
import pickle

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.runner import CheckpointLoader

from mmseg_inceptionnext.cli import main as cli
from mmseg_inceptionnext.models.torch_compat import (
    MIN_TORCH_DEPLOY,
    is_compiling,
    max_abs,
    require_torch,
    torch_version,
)
from mmseg_inceptionnext.plugin.config_names import config_names, config_path
from mmseg_inceptionnext.safety import safe_load
from mmseg_inceptionnext.safety.checkpoint_hook import encode_message_hub
from mmseg_inceptionnext.synthetic import make_ade20k_like
from mmseg_inceptionnext_startup import PREFIX
from tests.conftest import TINY_SEG, Getattr, RunsCode

pytestmark = pytest.mark.stacks

OLD_TORCH = torch_version() < safe_load.ALLOW_LIST_TORCH


def test_one_openmmlab_flavour_is_installed():
    """The extra of the stack's flavour (``openmmlab`` or ``onedl``, which install the same
    modules) brought none of the other flavour's distributions."""
    from importlib.metadata import distributions
    installed = {d.metadata['Name'].lower().replace('_', '-') for d in distributions()}
    upstream = {'mmengine', 'mmcv', 'mmsegmentation', 'mmdet'}
    onedl = {'onedl-mmengine', 'onedl-mmcv', 'onedl-mmsegmentation', 'onedl-mmdetection'}
    assert upstream <= installed or onedl <= installed, sorted(installed)
    assert not (upstream & installed and onedl & installed), sorted(installed)


@pytest.mark.parametrize('name', config_names())
def test_every_config_parses_by_path_and_by_name(name):
    by_path = Config.fromfile(config_path(name))
    by_name = Config.fromfile(PREFIX + name)
    assert by_path.to_dict() == by_name.to_dict()
    if not name.startswith('_base_'):
        assert by_path.default_scope in ('mmseg', 'mmdet')
        assert by_path.model.backbone.type in ('InceptionNeXt', 'ConvNeSt', 'TimmConvNeXt')


def test_torch_compat_helpers():
    assert not is_compiling()
    grads = [torch.tensor([1.0, -3.0]), torch.tensor([[2.0]])]
    assert max_abs(grads).item() == 3.0
    assert torch.isnan(max_abs(grads + [torch.tensor([float('nan')])]))
    assert not torch.isfinite(max_abs([torch.tensor([float('inf'), 1.0])]))
    with pytest.raises(RuntimeError, match=r'needs torch >= 99\.0; this environment has torch'):
        require_torch((99, 0), 'a feature')


def test_newer_torch_features_are_refused_by_version():
    from mmseg_inceptionnext.models import compile_for_inference
    model = torch.nn.Conv2d(3, 3, 1).eval()
    if torch_version() < MIN_TORCH_DEPLOY:
        with pytest.raises(RuntimeError, match=r'compile_for_inference .* needs torch >= 2\.6'):
            compile_for_inference(model)
        from mmseg_inceptionnext.deploy.onnx_runtime import export_onnx
        with pytest.raises(RuntimeError, match=r'ONNX export .* needs torch >= 2\.6'):
            export_onnx(model, torch.zeros(1, 3, 8, 8), 'never.onnx')
        assert not os.path.exists('never.onnx')
    else:
        require_torch(MIN_TORCH_DEPLOY, 'anything')  # passes


# --- checkpoints mmengine reads ------------------------------------------------------------

def _mmengine_format(path):
    """A checkpoint in mmengine's own format: history buffers and numpy scalars."""
    hub = MessageHub.get_instance('test_stacks')
    hub.update_scalar('train/loss', np.float64(1.5))
    hub.update_info('best_score', np.float64(41.3))
    torch.save({'meta': {'iter': 2}, 'state_dict': {'w': torch.ones(2)},
                'message_hub': hub.state_dict()}, path)
    return hub


def _load(path):
    """What every stock entry point does with a checkpoint path (``_load_checkpoint``)."""
    return CheckpointLoader.load_checkpoint(str(path), map_location='cpu', logger='silent')


def test_mmengine_loads_local_and_http_checkpoints_with_our_loaders():
    assert CheckpointLoader._get_checkpoint_loader('/x.pth') is safe_load.load_from_local
    assert CheckpointLoader._get_checkpoint_loader('https://h/x.pth') is safe_load.load_from_http


def test_safe_format_loads_on_every_stack(tmp_path):
    hub = MessageHub.get_instance('test_stacks_safe')
    hub.update_scalar('train/loss', np.float64(2.5))
    hub.update_info('best_score', np.float64(7.0))
    torch.save({'state_dict': {'w': torch.ones(2)},
                'message_hub': encode_message_hub(hub.state_dict())}, tmp_path / 'safe.pth')
    ckpt = _load(tmp_path / 'safe.pth')
    assert ckpt['message_hub']['runtime_info']['best_score'] == 7.0
    assert torch.equal(ckpt['state_dict']['w'], torch.ones(2))


def test_safe_format_keeps_multistep_milestones(tmp_path):
    """MultiStepParamScheduler's Counter, which torch 2.1 refuses, round-trips as a dict."""
    from collections import Counter

    from mmseg_inceptionnext.safety import SafeCheckpointHook
    hook = SafeCheckpointHook()
    ckpt = {'meta': {}, 'param_schedulers': [{'milestones': Counter({8: 1, 11: 1}),
                                              'gamma': 0.1}]}
    hook.before_save_checkpoint(None, ckpt)
    torch.save(ckpt, tmp_path / 'steps.pth')
    loaded = _load(tmp_path / 'steps.pth')
    hook.after_load_checkpoint(None, loaded)
    milestones = loaded['param_schedulers'][0]['milestones']
    assert type(milestones) is Counter and milestones == Counter({8: 1, 11: 1})


def test_mmengine_format_loads_where_torch_has_an_allow_list(tmp_path):
    _mmengine_format(tmp_path / 'stock.pth')
    if OLD_TORCH:
        with pytest.raises(pickle.UnpicklingError, match=r'torch >= 2\.6.*SafeCheckpointHook'):
            _load(tmp_path / 'stock.pth')
    else:
        ckpt = _load(tmp_path / 'stock.pth')
        assert isinstance(ckpt['message_hub']['log_scalars']['train/loss'], HistoryBuffer)
        assert ckpt['message_hub']['runtime_info']['best_score'] == np.float64(41.3)


@pytest.fixture
def real_getattr_allowed():
    """The process-wide allow-list with the real ``builtins.getattr`` on it, as the OneDL
    fork's mmengine leaves it (torch >= 2.4; older torch has no process-wide list)."""
    if not hasattr(torch.serialization, 'add_safe_globals'):
        yield
        return
    saved = torch.serialization.get_safe_globals()
    torch.serialization.add_safe_globals([getattr])
    yield
    torch.serialization.clear_safe_globals()
    torch.serialization.add_safe_globals(saved)


@pytest.mark.parametrize('payload', ['system', 'getattr_init', 'object_array'])
def test_code_carrying_checkpoint_is_refused(tmp_path, real_getattr_allowed, payload):
    marker = tmp_path / 'code_ran'
    evil = dict(system=RunsCode(marker), getattr_init=Getattr(HistoryBuffer, '__init__'),
                object_array=np.array([1, 'a'], dtype=object))[payload]
    torch.save({'state_dict': {'w': torch.ones(1)}, 'meta': {'x': evil}}, tmp_path / 'evil.pth')
    with pytest.raises(pickle.UnpicklingError, match='Refused to load checkpoint') as info:
        _load(tmp_path / 'evil.pth')
    assert safe_load.UNSAFE_SWITCH in str(info.value) and '--unsafe-pickle' in str(info.value)
    assert not marker.exists()


def test_unsafe_loading_only_by_name(tmp_path, monkeypatch):
    marker = tmp_path / 'code_ran'
    torch.save({'meta': {'x': RunsCode(marker)}}, tmp_path / 'trusted.pth')
    monkeypatch.setenv(safe_load.UNSAFE_SWITCH, '1')
    _load(tmp_path / 'trusted.pth')
    assert marker.exists()


def test_http_checkpoint_comes_from_torch_hub_cache_tensors_only(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, '_hub_dir', str(tmp_path / 'hub'))
    os.makedirs(tmp_path / 'hub' / 'checkpoints')
    torch.save({'state_dict': {'w': torch.ones(3)}}, tmp_path / 'hub/checkpoints/good.pth')
    got = _load('https://example.invalid/models/good.pth')
    assert torch.equal(got['state_dict']['w'], torch.ones(3))
    torch.save({'meta': RunsCode(tmp_path / 'ran')}, tmp_path / 'hub/checkpoints/evil.pth')
    with pytest.raises(pickle.UnpicklingError, match='Refused to load checkpoint'):
        _load('https://example.invalid/models/evil.pth')
    assert not (tmp_path / 'ran').exists()


# --- our command line ------------------------------------------------------------------------

@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """The tiny demo segmentor trained 2 iterations by our CLI on generated data."""
    root = tmp_path_factory.mktemp('stack_cli')
    make_ade20k_like(root / 'data', num_train=4, num_val=2, size=(64, 64))
    data = root / 'data' / 'ADEChallengeData2016'
    config = root / 'tiny.py'
    config.write_text(TINY_SEG + f'data_root = {str(data)!r}\n'
                      'train_dataloader = dict(batch_size=2, num_workers=0, '
                      'persistent_workers=False, dataset=dict(data_root=data_root))\n'
                      'val_dataloader = dict(batch_size=2, num_workers=0, '
                      'persistent_workers=False, dataset=dict(data_root=data_root))\n'
                      'test_dataloader = val_dataloader\n'
                      'train_cfg = dict(max_iters=2, val_interval=2)\n'
                      'default_hooks = dict(checkpoint=dict(interval=2), logger=dict(interval=1))\n'
                      "param_scheduler = [dict(type='LinearLR', start_factor=0.1, by_epoch=False, "
                      'begin=0, end=2)]\n')
    work = root / 'work'
    assert cli(['train', str(config), '--work-dir', str(work)]) == 0
    return dict(root=root, config=str(config), data=data, work=work,
                checkpoint=str(work / 'iter_2.pth'))


def test_cli_trains_tests_and_infers(trained, capsys):
    assert os.path.isfile(trained['checkpoint'])
    capsys.readouterr()
    assert cli(['test', trained['config'], trained['checkpoint'],
                '--work-dir', str(trained['root'] / 'test')]) == 0
    assert 'mIoU' in capsys.readouterr().out
    images = trained['data'] / 'images' / 'validation'
    out = trained['root'] / 'overlays'
    assert cli(['infer', trained['config'], trained['checkpoint'], str(images),
                '--out-dir', str(out)]) == 0
    assert len(list(out.glob('*.png'))) == 2


def test_cli_resumes(trained):
    assert cli(['train', trained['config'], '--work-dir', str(trained['work']), '--resume',
                '--cfg-options', 'train_cfg.max_iters=3']) == 0
    ckpt = _load(trained['work'] / 'iter_3.pth')
    assert ckpt['meta']['iter'] == 3
