"""Backbone weights from timm's Hugging Face hub names and from ``.safetensors`` files, through
the one strict loader: the timm model's backbone weights, head dropped, or the usual listing of
mismatches; a hub name that cannot be had ends in one message within seconds.

The hub cache is laid out under ``tmp_path`` as huggingface_hub writes it, and the network is
never used: ``HF_HUB_OFFLINE=1``, or a local endpoint that refuses or never answers.
"""
import socket
import time

import pytest
import timm
import torch
from safetensors.torch import save_file

from mmseg_inceptionnext.models import (
    CheckpointDownloadError,
    CheckpointError,
    InceptionNeXtNet,
    load_backbone_weights,
)
from mmseg_inceptionnext.models.convnest import ConvNeStClassifier
from mmseg_inceptionnext.plugin import ConvNeSt, InceptionNeXt
from tests.conftest import randomize_

pytestmark = pytest.mark.stacks  # runs on every stack (docs/stacks.md)

REPO = 'timm/inception_next_atto.sail_in1k'
COMMIT = '0123456789abcdef0123456789abcdef01234567'
CLOSED = 'http://127.0.0.1:9'  # the discard port: nothing listens, the connection is refused


def _timm_atto(seed=0):
    return randomize_(timm.create_model('inception_next_atto', pretrained=False), seed).eval()


def _save(state_dict, path):
    if path.suffix == '.safetensors':
        save_file({k: v.contiguous() for k, v in state_dict.items()}, str(path))
    else:
        torch.save(state_dict, path)
    return path


def _put_in_hub_cache(cache, repo_id, files, commit=COMMIT):
    """Lay out ``files`` (name -> state dict) as huggingface_hub caches a download of
    ``repo_id``: ``refs/main`` names the commit whose snapshot holds the files."""
    repo = cache / ('models--' + repo_id.replace('/', '--'))
    (repo / 'refs').mkdir(parents=True)
    (repo / 'refs' / 'main').write_text(commit)
    (repo / 'snapshots' / commit).mkdir(parents=True)
    for name, state_dict in files.items():
        _save(state_dict, repo / 'snapshots' / commit / name)


@pytest.fixture
def hub_cache(tmp_path, monkeypatch):
    """An empty hub cache, read from HF_HUB_CACHE when the weights load, and offline mode."""
    cache = tmp_path / 'hub'
    cache.mkdir()
    monkeypatch.setenv('HF_HUB_CACHE', str(cache))
    monkeypatch.setenv('HF_HUB_OFFLINE', '1')
    return cache


def _assert_timm_backbone(ours, ref, features=False):
    """Every tensor of ``ours`` is ``ref``'s (the head was dropped and nothing else); with
    ``features``, the four feature maps are timm's too."""
    saved = ref.state_dict()
    for key, value in ours.state_dict().items():
        assert torch.equal(value, saved[key]), key
    if not features:
        return
    x = torch.randn(1, 3, 64, 96, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected = ref.forward_intermediates(x, intermediates_only=True)
        got = ours.eval()(x)
    assert len(got) == len(expected) == 4
    for stage, (e, g) in enumerate(zip(expected, got)):
        assert g.shape == e.shape, stage
        diff = (e - g).abs().max().item()
        assert diff <= 1e-5 * max(1.0, e.abs().max().item()), (stage, diff)


@pytest.mark.parametrize('file_name', ['model.safetensors', 'pytorch_model.bin'])
def test_hub_name_loads_timm_backbone_from_the_cache(hub_cache, file_name):
    ref = _timm_atto()
    _put_in_hub_cache(hub_cache, REPO, {file_name: ref.state_dict()})
    model = InceptionNeXt(arch='atto', init_cfg=dict(type='Pretrained',
                                                     checkpoint=f'hf-hub:{REPO}'))
    model.init_weights()
    _assert_timm_backbone(model, ref, features=file_name == 'model.safetensors')


def test_hub_safetensors_preferred_and_revision_pinned(hub_cache):
    ref, other = _timm_atto(seed=0), _timm_atto(seed=1)
    _put_in_hub_cache(hub_cache, REPO, {'model.safetensors': ref.state_dict(),
                                        'pytorch_model.bin': other.state_dict()})
    for name in (f'hf-hub:{REPO}', f'hf-hub:{REPO}@{COMMIT}'):
        model = InceptionNeXtNet('atto')
        load_backbone_weights(model, name)
        assert torch.equal(model.stem[0].weight, ref.stem[0].weight), name
    with pytest.raises(CheckpointDownloadError, match=f"{REPO}' at revision 'v2'"):
        load_backbone_weights(InceptionNeXtNet('atto'), f'hf-hub:{REPO}@v2')
    with pytest.raises(CheckpointError, match='write hf-hub:ORG/NAME or hf-hub:ORG/NAME@'):
        load_backbone_weights(InceptionNeXtNet('atto'), 'hf-hub:inception_next_atto')


def test_local_safetensors_loads_as_from_the_hub(tmp_path):
    ref = _timm_atto()
    path = _save(ref.state_dict(), tmp_path / 'inception_next_atto.safetensors')
    model = InceptionNeXt(arch='atto', init_cfg=dict(type='Pretrained', checkpoint=str(path)))
    model.init_weights()
    _assert_timm_backbone(model, ref)

    arch = dict(depths=(1, 1, 2, 1), dims=(8, 16, 24, 32))
    classifier = randomize_(ConvNeStClassifier(arch, num_classes=5))
    path = _save(classifier.state_dict(), tmp_path / 'convnest.safetensors')
    convnest = ConvNeSt(arch, init_cfg=dict(type='Pretrained', checkpoint=str(path)))
    convnest.init_weights()
    saved = classifier.state_dict()
    for key, value in convnest.state_dict().items():
        assert torch.equal(value, saved[key]), key


@pytest.mark.parametrize('where', ['file', 'hub'])
def test_safetensors_of_another_arch_lists_mismatches(hub_cache, tmp_path, where):
    tiny = timm.create_model('inception_next_tiny', pretrained=False).state_dict()
    if where == 'file':
        checkpoint = str(_save(tiny, tmp_path / 'inception_next_tiny.safetensors'))
    else:
        _put_in_hub_cache(hub_cache, REPO, {'model.safetensors': tiny})
        checkpoint = f'hf-hub:{REPO}'
    model = InceptionNeXt(arch='atto', init_cfg=dict(type='Pretrained', checkpoint=checkpoint))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(CheckpointError) as info:
        model.init_weights()
    message = str(info.value)
    assert message.startswith(f'Checkpoint {checkpoint!r} does not fit this InceptionNeXt '
                              f'(nothing was loaded)')
    assert ('The checkpoint has depths=(3, 3, 9, 3), dims=(96, 192, 384, 768); the model has '
            'depths=(2, 2, 6, 2), dims=(40, 80, 160, 320)') in message
    assert ('shape mismatch: [stages.0.blocks.0.gamma: checkpoint (96,) vs model (40,)'
            in message)
    assert 'unexpected in the checkpoint: [' in message
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key]), key


def _assert_one_clear_message(message, repo_id, cache):
    assert f"'{repo_id}'" in message and "'model.safetensors'" in message
    assert f'looked up in the hub cache {cache}' in message
    assert f'run `hf download {repo_id} model.safetensors`' in message  # fix 1: fetch, copy
    assert f'copy the folder models--{repo_id.replace("/", "--")}' in message
    assert 'give the local path of the .safetensors or .pth file' in message  # fix 2


def test_hub_name_missing_offline_fails_at_once_with_both_fixes(hub_cache):
    repo_id = 'timm/inception_next_tiny.sail_in1k'
    model = InceptionNeXt(arch='tiny', init_cfg=dict(type='Pretrained',
                                                     checkpoint=f'hf-hub:{repo_id}'))
    start = time.time()
    with pytest.raises(CheckpointDownloadError) as info:
        model.init_weights()
    assert time.time() - start < 10
    message = str(info.value)
    assert message.startswith(f"InceptionNeXt cannot load its pretrained weights: Cannot "
                              f"download checkpoint 'hf-hub:{repo_id}': offline mode is on "
                              f"(HF_HUB_OFFLINE=1)")
    _assert_one_clear_message(message, repo_id, hub_cache)
    assert 'INCEPTIONNEXT_CKPT_DIR' not in message  # the configs' directory holds no hub names
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert not list(hub_cache.iterdir())  # nothing written


@pytest.mark.parametrize('hub', ['refused', 'hangs'])
def test_unreachable_hub_fails_in_seconds(hub_cache, monkeypatch, hub):
    monkeypatch.delenv('HF_HUB_OFFLINE')
    with socket.socket() as server:  # accepts connections (backlog), never answers
        server.bind(('127.0.0.1', 0))
        server.listen(1)
        endpoint = CLOSED if hub == 'refused' else f'http://127.0.0.1:{server.getsockname()[1]}'
        monkeypatch.setenv('HF_ENDPOINT', endpoint)
        start = time.time()
        with pytest.raises(CheckpointDownloadError) as info:
            load_backbone_weights(InceptionNeXtNet('atto'), f'hf-hub:{REPO}', download_timeout=1)
        assert time.time() - start < 10
    message = str(info.value)
    assert message.startswith(f"Cannot download checkpoint 'hf-hub:{REPO}': ")
    # the refusal is named by the HTTP client's class, which depends on huggingface_hub's version
    assert ('(offline, or the hub is unreachable). The file expected' if hub == 'refused' else
            ': no answer within 1 s (download_timeout). The file expected') in message
    _assert_one_clear_message(message, REPO, hub_cache)
