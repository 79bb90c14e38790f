"""What the plugin changes in a process: the start-up hook that lets stock mmengine read
``mmseg_inceptionnext::`` bases, and the weights-only allow-list for mmengine checkpoints.

Start-up behaviour is checked in fresh interpreters (subprocesses), as a stock tool starts.
"""
import json
import os
import os.path as osp
import pickle
import re
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub

import mmseg_inceptionnext  # noqa: F401  (the allow-list, as custom_imports would)
from mmseg_inceptionnext.openmmlab.safe_load import allowed_globals
from tests.conftest import load_without_allow_list

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def _python(code, cwd, env=None):
    """Run ``code`` in a fresh interpreter; returns (exit code, stdout, stderr)."""
    full_env = dict(os.environ, **(env or {}))
    full_env.pop('PYTHONPATH', None)  # as a user's shell: the installed package only
    proc = subprocess.run([sys.executable, '-W', 'ignore', '-c', code], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=300)
    return proc.returncode, proc.stdout, proc.stderr


def test_startup_hook_is_lazy(tmp_path):
    code = ('import json, sys; print(json.dumps(sorted(m for m in sys.modules if m.startswith('
            '("mmengine", "mmcv", "mmseg", "mmdet", "torch", "numpy", "mmseg_inceptionnext")))))')
    rc, out, err = _python(code, tmp_path)
    assert rc == 0, err
    assert json.loads(out) == ['mmseg_inceptionnext_startup']
    rc, out, err = _python(code, tmp_path, env={'MMSEG_INCEPTIONNEXT_STARTUP': '0'})
    assert rc == 0 and json.loads(out) == ['mmseg_inceptionnext_startup'], err


READ_BY_NAME = '''
import json, sys
from mmengine.config import Config
out = {}
for name in sys.argv[1:]:
    with open('user.py', 'w') as f:
        f.write(f"_base_ = 'mmseg_inceptionnext::{name}'\\nextra = 1\\n")
    cfg = Config.fromfile('user.py')
    out[name] = [cfg.model.backbone.get('type'), cfg.get('default_scope'), cfg.extra]
out['imported'] = 'mmseg_inceptionnext' in sys.modules
print(json.dumps(out))
'''


def test_stock_mmengine_reads_configs_by_name(tmp_path):
    """No import of ours before the config is read: the start-up hook does it all."""
    names = ['upernet_inceptionnext_t_ade20k.py', 'demo/upernet_inceptionnext_a_synthetic.py',
             '_base_/models/upernet.py', 'baselines/upernet_convnext_t_ade20k.py',
             'mask_rcnn_inceptionnext_t_fpn_3x_coco.py', 'upernet_convnest_t_ade20k.py']
    code = READ_BY_NAME.replace('sys.argv[1:]', repr(names))
    rc, out, err = _python(code, tmp_path)
    assert rc == 0, err[-3000:]
    got = json.loads(out)
    assert got.pop('imported') is True  # reading such a config registers our modules
    assert got == {
        'upernet_inceptionnext_t_ade20k.py': ['InceptionNeXt', 'mmseg', 1],
        'demo/upernet_inceptionnext_a_synthetic.py': ['InceptionNeXt', 'mmseg', 1],
        '_base_/models/upernet.py': [None, None, 1],  # the backbone comes from a leaf
        'baselines/upernet_convnext_t_ade20k.py': ['TimmConvNeXt', 'mmseg', 1],
        'mask_rcnn_inceptionnext_t_fpn_3x_coco.py': ['InceptionNeXt', 'mmdet', 1],
        'upernet_convnest_t_ade20k.py': ['ConvNeSt', 'mmseg', 1]}


def test_stock_apis_take_a_config_by_name(tmp_path):
    """``Config.fromfile`` (what the stock train.py / test.py do with their CONFIG argument)
    and ``init_model`` accept ``mmseg_inceptionnext::NAME`` itself."""
    code = ('import json\n'
            'from mmengine.config import Config\n'
            'from mmseg.apis import init_model\n'
            "name = 'mmseg_inceptionnext::demo/upernet_inceptionnext_a_synthetic.py'\n"
            'cfg = Config.fromfile(name)\n'
            'model = init_model(name, device="cpu")\n'
            'print(json.dumps([cfg.filename, type(model.backbone).__name__]))\n')
    rc, out, err = _python(code, tmp_path)
    assert rc == 0, err[-3000:]
    filename, backbone = json.loads(out.splitlines()[-1])
    assert filename.endswith(osp.join('configs', 'demo', 'upernet_inceptionnext_a_synthetic.py'))
    assert backbone == 'InceptionNeXt'


def test_unknown_config_name_lists_the_configs(tmp_path):
    code = READ_BY_NAME.replace('sys.argv[1:]', "['upernet_inceptionnext_x.py']")
    rc, _, err = _python(code, tmp_path)
    assert rc != 0
    assert "FileNotFoundError: 'mmseg_inceptionnext::upernet_inceptionnext_x.py' is not a " \
           'config of mmseg_inceptionnext' in err
    assert 'upernet_inceptionnext_t_ade20k.py' in err


def test_startup_hook_switched_off(tmp_path):
    code = READ_BY_NAME.replace('sys.argv[1:]', "['demo/upernet_inceptionnext_a_synthetic.py']")
    rc, _, err = _python(code, tmp_path, env={'MMSEG_INCEPTIONNEXT_STARTUP': '0'})
    assert rc != 0 and '_get_package_and_cfg_path' in err  # mmengine's own lookup
    # importing the package first still teaches Config the prefix
    rc, out, err = _python('import mmseg_inceptionnext\n' + code, tmp_path,
                           env={'MMSEG_INCEPTIONNEXT_STARTUP': '0'})
    assert rc == 0, err[-2000:]
    assert json.loads(out)['demo/upernet_inceptionnext_a_synthetic.py'][0] == 'InceptionNeXt'


def _mmengine_checkpoint(path):
    """A checkpoint as mmengine's Runner writes one (message hub with history buffers, numpy
    scalars in runtime info, dataset meta), without SafeCheckpointHook."""
    hub = MessageHub.get_instance('test_plugin_import')
    for value in (1.5, 2.5):
        hub.update_scalar('train/loss', np.float64(value))
    hub.update_scalar('train/lr', 1e-4)
    hub.update_info('best_score', np.float64(41.3))
    hub.update_info('best_ckpt', 'work_dirs/x/best_mIoU_iter_2.pth')
    hub.update_info('count', np.int64(7), resumed=True)
    hub.update_info('ratio', np.float32(0.5))
    torch.save({'meta': {'iter': 2, 'seed': 0, 'dataset_meta': {'classes': ('a', 'b')}},
                'state_dict': {'backbone.w': torch.ones(2)},
                'message_hub': hub.state_dict(),
                'optimizer': torch.optim.SGD([torch.nn.Parameter(torch.ones(1))], 0.1)
                .state_dict()}, path)


def test_mmengine_checkpoints_load_weights_only(tmp_path):
    path = tmp_path / 'stock.pth'
    _mmengine_checkpoint(path)
    with pytest.raises(pickle.UnpicklingError, match='Unsupported global'):
        load_without_allow_list(path)  # torch alone refuses it
    ckpt = torch.load(path, weights_only=True)
    scalars = ckpt['message_hub']['log_scalars']
    assert isinstance(scalars['train/loss'], HistoryBuffer)
    assert scalars['train/loss'].mean() == 2.0 and scalars['train/loss'].max() == 2.5
    info = ckpt['message_hub']['runtime_info']
    assert info['best_score'] == np.float64(41.3) and info['count'] == 7
    assert info['ratio'].dtype == np.float32
    assert ckpt['meta']['dataset_meta']['classes'] == ('a', 'b')


class _Marker:
    """Unpickling it would create a file: the proof that code from a checkpoint ran."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (os.system, (f'touch {self.path}', ))


class _Getattr:
    def __init__(self, obj, name):
        self.obj, self.name = obj, name

    def __reduce__(self):
        return (getattr, (self.obj, self.name))


@pytest.mark.parametrize('payload', ['system', 'object_array', 'masked_array', 'getattr_init',
                                     'getattr_tofile'])
def test_everything_else_is_still_refused(tmp_path, payload):
    marker = tmp_path / 'ran'
    evil = dict(system=_Marker(marker),
                object_array=np.array([1, 'a'], dtype=object),
                masked_array=np.ma.masked_array([1.0, 2.0], mask=[0, 1]),
                getattr_init=_Getattr(HistoryBuffer, '__init__'),
                getattr_tofile=_Getattr(np.ndarray, 'tofile'))[payload]
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {'w': torch.ones(1)}, 'meta': {'x': evil}}, path)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)
    assert not marker.exists()


def test_readme_lists_the_allow_list():
    """The README's table of allowed globals is exactly what the package allows (a short
    name in a row takes the module of the full name before it)."""
    with open(osp.join(ROOT, 'README.md')) as f:
        readme = f.read()
    section = readme[readme.index('<!-- allow-list -->'):readme.index('<!-- /allow-list -->')]
    listed = set()
    for row in re.findall(r'^\|(.*?)\|', section, flags=re.M)[2:]:
        module = None
        for name in re.findall(r'`([\w.]+)`', row):
            module = name.rsplit('.', 1)[0] if '.' in name else module
            listed.add(name if '.' in name else f'{module}.{name}')
    assert listed == set(allowed_globals())
