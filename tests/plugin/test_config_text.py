"""Our runner's config is formatted once (yapf) per content, with mmengine's own text."""
import copy

import pytest
from mmengine.config import Config

from mmseg_inceptionnext.plugin.config_text import FormattedOnceConfig, formatted_once
from tests.conftest import DEMO_SEG


@pytest.fixture
def yapf_calls(monkeypatch):
    """The calls of yapf that mmengine's ``Config.pretty_text`` makes from here on."""
    import mmengine.config.config as module
    calls, format_code = [], module.FormatCode
    monkeypatch.setattr(module, 'FormatCode', lambda *a, **k: calls.append(1) or format_code(
        *a, **k))
    return calls


def test_the_text_is_mmengines_formatted_once_until_the_config_changes(yapf_calls):
    cfg = Config.fromfile(DEMO_SEG)
    expected = cfg.pretty_text
    once = formatted_once(cfg)
    assert type(cfg) is Config and isinstance(once, FormattedOnceConfig)
    del yapf_calls[:]
    assert once.pretty_text == expected and once.pretty_text == expected
    copied = copy.deepcopy(once)  # as mmengine's runner keeps its config
    assert copied.pretty_text == expected and once.dump() == expected
    assert len(yapf_calls) == 1
    copied.train_cfg.max_iters = 7
    changed = copied.pretty_text
    assert 'max_iters=7' in changed and changed != expected and len(yapf_calls) == 2
    assert once.pretty_text == expected and len(yapf_calls) == 2
    assert formatted_once(once) is once and formatted_once(dict(a=1)) == dict(a=1)


def test_our_runner_formats_its_config_once(monkeypatch):
    from mmengine.runner import Runner

    from mmseg_inceptionnext.safety.dataset_check import DatasetCheckingRunner
    built = []
    monkeypatch.setattr(Runner, 'from_cfg', classmethod(
        lambda cls, cfg: built.append(cfg) or cls.__new__(cls)))
    monkeypatch.setattr('mmseg_inceptionnext.safety.dataset_check.check_unchecked',
                        lambda cfg, loaders, checked: set(loaders))
    DatasetCheckingRunner.from_cfg(Config.fromfile(DEMO_SEG))
    assert isinstance(built[0], FormattedOnceConfig)
