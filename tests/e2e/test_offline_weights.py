"""First contact without a network: pretrained weights that cannot be fetched (or found) end
in one message naming the URL, the file name and both fixes, within seconds; a download that
hangs times out. Only local addresses are used, so the tests never depend on the network."""
import http.server
import os
import os.path as osp
import socket
import threading
import time

import pytest
import torch

from mmseg_inceptionnext.models import CheckpointDownloadError, read_checkpoint
from mmseg_inceptionnext.synthetic import make_ade20k_like
from tests.conftest import ROOT, TOOLS, run_here
from tests.conftest import TINY_INCEPTIONNEXT as TINY

pytestmark = pytest.mark.stacks  # runs on every stack (docs/stacks.md)

CLOSED = 'http://127.0.0.1:9'  # the discard port: nothing listens, the connection is refused


def test_paper_config_offline_ends_in_one_clear_message(tmp_path, monkeypatch):
    make_ade20k_like(tmp_path / 'data', num_train=2, num_val=1, size=(64, 64))
    root = str(tmp_path / 'data' / 'ADEChallengeData2016')
    monkeypatch.setenv('INCEPTIONNEXT_CKPT_DIR', CLOSED)  # read by the config
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch'))  # an empty download cache
    start = time.time()
    code, out = run_here(osp.join(TOOLS, 'train.py'),
                         osp.join(ROOT, 'configs/upernet_inceptionnext_t_ade20k.py'),
                         '--work-dir', tmp_path / 'w', '--cfg-options',
                         f'train_dataloader.dataset.data_root={root}',
                         f'val_dataloader.dataset.data_root={root}',
                         'train_dataloader.num_workers=0', 'val_dataloader.num_workers=0',
                         'train_dataloader.persistent_workers=False',
                         'val_dataloader.persistent_workers=False', cwd=tmp_path)
    assert code != 0 and time.time() - start < 120
    lines = out.strip().splitlines()
    start = max(i for i, line in enumerate(lines) if line.startswith('mmseg-inceptionnext '))
    error = '\n'.join(lines[start:])  # the message that ends the output
    assert 'Traceback (most recent call last)' not in out  # a stated error: its message only
    assert error.startswith('mmseg-inceptionnext train: CheckpointDownloadError: '
                            'InceptionNeXt cannot load its pretrained weights: Cannot download '
                            f"checkpoint '{CLOSED}/inceptionnext_tiny.pth': ConnectionRefusedError")
    assert "The file expected there is 'inceptionnext_tiny.pth'" in error
    assert ('Fix: put inceptionnext_tiny.pth in a directory and set INCEPTIONNEXT_CKPT_DIR='
            '/path/to/that/directory (read by every config of this package), or pass '
            '--cfg-options model.backbone.init_cfg.checkpoint=/path/to/inceptionnext_tiny.pth'
            ) in error
    assert not list((tmp_path / 'torch').rglob('*.pth*'))  # nothing half-downloaded


def test_a_download_that_hangs_times_out(tmp_path, monkeypatch):
    from mmseg_inceptionnext.plugin import InceptionNeXt
    monkeypatch.setenv('TORCH_HOME', str(tmp_path))
    with socket.socket() as server:  # accepts connections (backlog), never answers
        server.bind(('127.0.0.1', 0))
        server.listen(1)
        url = f'http://127.0.0.1:{server.getsockname()[1]}/inceptionnext_tiny.pth'
        model = InceptionNeXt(TINY, init_cfg=dict(type='Pretrained', checkpoint=url,
                                                  download_timeout=1))
        start = time.time()
        with pytest.raises(CheckpointDownloadError, match=r'(?s)no answer within 1 s '
                           r'\(download_timeout\).*INCEPTIONNEXT_CKPT_DIR='):
            model.init_weights()
        assert time.time() - start < 10


def test_convnest_missing_local_file_names_both_fixes(tmp_path, monkeypatch):
    from mmseg_inceptionnext.plugin import ConvNeSt
    monkeypatch.chdir(tmp_path)
    model = ConvNeSt(dict(depths=(1, 1, 1, 1), dims=(8, 16, 24, 32)), init_cfg=dict(
        type='Pretrained', checkpoint='checkpoints/convnest_tiny.pth'))
    with pytest.raises(FileNotFoundError) as info:
        model.init_weights()
    message = str(info.value)
    assert "Checkpoint file 'checkpoints/convnest_tiny.pth' does not exist" in message
    assert ('set CONVNEST_CKPT_DIR=/path/to/that/directory' in message and
            '--cfg-options model.backbone.init_cfg.checkpoint=/path/to/convnest_tiny.pth'
            in message)


def test_download_is_cached_whole_and_read_tensors_only(tmp_path, monkeypatch):
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch'))
    served = tmp_path / 'served'
    served.mkdir()
    torch.save({'stem.0.weight': torch.arange(6.0)}, served / 'weights.pth')
    handler = lambda *a: http.server.SimpleHTTPRequestHandler(*a, directory=str(served))  # noqa
    with http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler) as server:
        server.RequestHandlerClass.log_message = lambda *a: None
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f'http://127.0.0.1:{server.server_address[1]}/weights.pth'
        assert torch.equal(read_checkpoint(url)['stem.0.weight'], torch.arange(6.0))
        server.shutdown()
    cache = tmp_path / 'torch' / 'hub' / 'checkpoints'
    assert sorted(os.listdir(cache)) == ['weights.pth']  # no partial file left
    assert torch.equal(read_checkpoint(url)['stem.0.weight'], torch.arange(6.0))  # from cache
