"""Fetching checkpoints: ``http(s)://`` URLs into torch hub's cache and timm's Hugging Face
hub names (``hf-hub:org/name[@revision]``) through huggingface_hub's cache, each with a timeout,
so that a machine without network access fails in seconds with the file to provide.
Plain torch, and huggingface_hub (a dependency of timm) for hub names only.
"""
from __future__ import annotations

import os
import re
import socket
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Optional, Tuple

import torch

#: Seconds a checkpoint download may wait for the server (connecting, or between two reads).
DEFAULT_DOWNLOAD_TIMEOUT = 30.0
#: Prefix of a Hugging Face hub checkpoint name, as timm writes them.
HF_HUB_PREFIX = 'hf-hub:'
#: The weight files of a timm hub repo, in the order they are tried.
HF_HUB_FILES = ('model.safetensors', 'pytorch_model.bin')


class CheckpointError(ValueError):
    """A checkpoint that cannot be read, or does not fit the model it is loaded into."""


class CheckpointDownloadError(CheckpointError):
    """A checkpoint URL or hub name that cannot be fetched (no network, offline mode,
    timeout, HTTP error).

    Attributes:
        url: The URL or hub name.
        file_name: The file name it points at, which a local copy should have.
    """

    def __init__(self, message: str, *, url: str = '', file_name: str = '') -> None:
        super().__init__(message)
        self.url = url
        self.file_name = file_name


def url_file_name(url: str) -> str:
    """The file name a checkpoint URL points at (``.../inceptionnext_tiny.pth`` ->
    ``inceptionnext_tiny.pth``)."""
    return os.path.basename(urllib.parse.urlparse(url).path) or 'checkpoint.pth'


def download_checkpoint(url: str, *, timeout: float = DEFAULT_DOWNLOAD_TIMEOUT) -> str:
    """Fetch ``url`` into torch hub's checkpoint cache, once, and return the local path.

    The file is written under a temporary name and renamed when complete, so an
    interrupted download never leaves a truncated file that a later run would read.

    Args:
        url: ``http(s)://`` URL of the checkpoint.
        timeout: Seconds to wait for the server when connecting and between two reads;
            a download that hangs fails after this long.

    Returns:
        Path of the cached file.

    Raises:
        CheckpointDownloadError: Naming the URL, the expected file name, the cache
            directory and the cause (no network, timeout, HTTP status).
    """
    import shutil
    name = url_file_name(url)
    cache = os.path.join(torch.hub.get_dir(), 'checkpoints')
    path = os.path.join(cache, name)
    if os.path.isfile(path):
        return path
    tmp = f'{path}.partial-{os.getpid()}'
    try:
        os.makedirs(cache, exist_ok=True)
        with urllib.request.urlopen(url, timeout=timeout) as response, open(tmp, 'wb') as out:
            shutil.copyfileobj(response, out, 1 << 20)
        os.replace(tmp, path)
    except (OSError, ValueError) as exc:  # URLError, HTTPError, socket.timeout are OSErrors
        if os.path.exists(tmp):
            os.remove(tmp)
        raise CheckpointDownloadError(
            f'Cannot download checkpoint {url!r}: {_download_reason(exc, timeout)}. The file '
            f'expected there is {name!r}; fetch it where there is network access and load it '
            f'from a local path (or copy it to {cache}, where downloads are looked up first).',
            url=url, file_name=name) from exc
    return path


def _download_reason(exc: BaseException, timeout: float) -> str:
    reason = getattr(exc, 'reason', exc)
    if isinstance(reason, (socket.timeout, TimeoutError)) or 'timed out' in str(reason):
        return f'no answer within {timeout:g} s (download_timeout)'
    if isinstance(exc, urllib.error.HTTPError):
        return f'the server answered HTTP {exc.code} {exc.reason}'
    return f'{type(reason).__name__}: {reason} (offline, or the server is unreachable)'


def parse_hub_name(name: str) -> Tuple[str, Optional[str]]:
    """Split a hub checkpoint name into the repo id and the revision.

    Args:
        name: ``hf-hub:org/name`` or ``hf-hub:org/name@revision`` (a branch, tag or commit).

    Returns:
        ``(repo id, revision)``; the revision is ``None`` for the repo's default branch.

    Raises:
        CheckpointError: If ``name`` is not of that form.
    """
    repo_id, at, revision = name[len(HF_HUB_PREFIX):].partition('@')
    if not re.fullmatch(r'[\w.-]+/[\w.-]+', repo_id) or (at and not re.fullmatch(r'\S+',
                                                                                  revision)):
        raise CheckpointError(f'Invalid hub checkpoint name {name!r}: write {HF_HUB_PREFIX}ORG/'
                              f'NAME or {HF_HUB_PREFIX}ORG/NAME@REVISION, e.g. '
                              f'{HF_HUB_PREFIX}timm/inception_next_tiny.sail_in1k.')
    return repo_id, revision or None


def download_hub_checkpoint(name: str, *, cache_dir: Optional[str] = None,
                            timeout: float = DEFAULT_DOWNLOAD_TIMEOUT) -> str:
    """Find a checkpoint of the Hugging Face hub in the hub cache, or fetch it there once.

    The repo's ``model.safetensors`` is preferred, its ``pytorch_model.bin`` the fallback (the
    files timm publishes). The cache is searched first, with no network access at all. A file
    missing from it is fetched unless offline mode is on (``HF_HUB_OFFLINE=1``): one request
    without retries first asks the hub for the file, so that an unreachable hub fails at once
    (huggingface_hub alone retries for minutes), then huggingface_hub downloads it.

    huggingface_hub's variables ``HF_HUB_CACHE``, ``HF_HUB_OFFLINE`` and ``HF_ENDPOINT`` are
    read when this is called (huggingface_hub itself reads them once, when imported).

    Args:
        name: ``hf-hub:org/name`` or ``hf-hub:org/name@revision``.
        cache_dir: The hub cache directory. Default: ``$HF_HUB_CACHE``, else
            huggingface_hub's default (``$HF_HOME/hub``).
        timeout: Seconds to wait for the hub's first answer (the transfer itself follows
            huggingface_hub's ``HF_HUB_DOWNLOAD_TIMEOUT``).

    Returns:
        Path of the cached file.

    Raises:
        CheckpointError: If ``name`` is malformed.
        CheckpointDownloadError: Naming the repo, the file, the cache directory, the cause
            (offline mode, no network, timeout, no such repo or file) and both fixes.
    """
    from huggingface_hub import constants, get_hf_file_metadata, hf_hub_download, hf_hub_url
    from huggingface_hub.utils import EntryNotFoundError
    repo_id, revision = parse_hub_name(name)
    # huggingface_hub reads its variables once, when imported; these are read now
    cache_dir = cache_dir or os.environ.get('HF_HUB_CACHE') or None
    cache = os.path.expanduser(cache_dir or constants.HF_HUB_CACHE)
    endpoint = os.environ.get('HF_ENDPOINT') or None

    def fetch(filename: str, local_files_only: bool) -> str:
        return hf_hub_download(repo_id, filename, revision=revision, cache_dir=cache_dir,
                               local_files_only=local_files_only, etag_timeout=timeout,
                               endpoint=endpoint)

    for filename in HF_HUB_FILES:
        try:
            return fetch(filename, True)
        except EntryNotFoundError:  # LocalEntryNotFoundError is one, on every version
            pass
        except ValueError as exc:  # huggingface_hub's validation of the repo id
            raise CheckpointError(f'Invalid hub checkpoint name {name!r}: {exc}') from exc
    if _hub_offline(constants):
        raise _hub_error(name, repo_id, revision, cache, 'offline mode is on (HF_HUB_OFFLINE=1) '
                         'and the file is not in the hub cache')
    for filename in HF_HUB_FILES:
        try:
            get_hf_file_metadata(hf_hub_url(repo_id, filename, revision=revision,
                                            endpoint=endpoint), timeout=timeout)
        except EntryNotFoundError:  # the hub has the repo, not this file
            continue
        except Exception as exc:  # the HTTP client's errors (requests, httpx or httpx2 by
            # huggingface_hub version) share no other base; every one means "not fetched"
            raise _hub_error(name, repo_id, revision, cache, _hub_reason(exc, timeout)) from exc
        try:
            return fetch(filename, False)
        except Exception as exc:  # as above
            raise _hub_error(name, repo_id, revision, cache, _hub_reason(exc, timeout)) from exc
    at = f' at revision {revision!r}' if revision else ''
    raise CheckpointDownloadError(
        f'Cannot download checkpoint {name!r}: the Hugging Face repo {repo_id!r}{at} holds '
        f'neither {HF_HUB_FILES[0]!r} nor {HF_HUB_FILES[1]!r}, the weight files timm publishes. '
        f'Name a timm model repo ({HF_HUB_PREFIX}timm/...), or give the local path of the '
        f'.safetensors or .pth file.', url=name, file_name=HF_HUB_FILES[0])


def _hub_offline(constants: Any) -> bool:
    value = os.environ.get('HF_HUB_OFFLINE', '')
    return value.upper() in ('1', 'ON', 'YES', 'TRUE') or bool(constants.HF_HUB_OFFLINE)


def _hub_reason(exc: BaseException, timeout: float) -> str:
    causes = [exc]
    while causes[-1].__cause__ is not None and len(causes) < 8:
        causes.append(causes[-1].__cause__)
    if any(isinstance(c, (socket.timeout, TimeoutError)) or 'Timeout' in type(c).__name__
           for c in causes):
        return f'no answer within {timeout:g} s (download_timeout)'
    status = getattr(getattr(exc, 'response', None), 'status_code', None)
    if status in (401, 403, 404):
        return (f'the hub answered HTTP {status} ({type(exc).__name__}): no such repo or '
                f'revision, or the repo is private or gated (log in with `hf auth login`)')
    if status is not None:
        return f'the hub answered HTTP {status} ({type(exc).__name__})'
    root = causes[-1]
    text = ' '.join(str(root).split())[:200]
    return f'{type(root).__name__}: {text} (offline, or the hub is unreachable)'


def _hub_error(name: str, repo_id: str, revision: Optional[str], cache: str,
               reason: str) -> CheckpointDownloadError:
    file_name = HF_HUB_FILES[0]
    at = f' at revision {revision!r}' if revision else ''
    rev = f' --revision {revision}' if revision else ''
    folder = 'models--' + repo_id.replace('/', '--')
    return CheckpointDownloadError(
        f'Cannot download checkpoint {name!r}: {reason}. The file expected is {file_name!r} '
        f'(or {HF_HUB_FILES[1]!r}) of the Hugging Face repo {repo_id!r}{at}, looked up in the '
        f'hub cache {cache}. Where there is network access, run `hf download {repo_id} '
        f'{file_name}{rev}` (`huggingface-cli download` before huggingface_hub 0.34) and copy '
        f'the folder {folder} of that machine\'s hub cache into {cache} (or set HF_HUB_CACHE '
        f'to a cache that has it); or give the local path of the .safetensors or .pth file as '
        f'the checkpoint instead of the hub name.', url=name, file_name=file_name)
