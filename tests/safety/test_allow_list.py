"""The weights-only allow-list for mmengine's own checkpoints: what it admits, what stays
refused, and the table of docs/plugin.md that lists it."""
import os.path as osp
import pickle
import re

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub

import mmseg_inceptionnext  # noqa: F401  (the allow-list, as custom_imports would)
from mmseg_inceptionnext.safety.safe_load import allowed_globals
from tests.conftest import ROOT, Getattr, RunsCode, load_without_allow_list


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


@pytest.mark.parametrize('payload', ['system', 'object_array', 'masked_array', 'getattr_init',
                                     'getattr_tofile'])
def test_everything_else_is_still_refused(tmp_path, payload):
    marker = tmp_path / 'ran'
    evil = dict(system=RunsCode(marker),
                object_array=np.array([1, 'a'], dtype=object),
                masked_array=np.ma.masked_array([1.0, 2.0], mask=[0, 1]),
                getattr_init=Getattr(HistoryBuffer, '__init__'),
                getattr_tofile=Getattr(np.ndarray, 'tofile'))[payload]
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {'w': torch.ones(1)}, 'meta': {'x': evil}}, path)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)
    assert not marker.exists()


def test_readme_lists_the_allow_list():
    """The table of allowed globals in docs/plugin.md is exactly what the package allows (a short
    name in a row takes the module of the full name before it)."""
    with open(osp.join(ROOT, 'docs', 'plugin.md')) as f:
        readme = f.read()
    section = readme[readme.index('<!-- allow-list -->'):readme.index('<!-- /allow-list -->')]
    listed = set()
    for row in re.findall(r'^\|(.*?)\|', section, flags=re.M)[2:]:
        module = None
        for name in re.findall(r'`([\w.]+)`', row):
            module = name.rsplit('.', 1)[0] if '.' in name else module
            listed.add(name if '.' in name else f'{module}.{name}')
    assert listed == set(allowed_globals())
