"""The command line's own errors are one message with the fix and exit status 1; ``--debug``
or ``MMSEG_INCEPTIONNEXT_DEBUG=1`` shows the traceback; errors it did not expect keep theirs."""
import pytest

from mmseg_inceptionnext import cli
from mmseg_inceptionnext.cli import main


def test_a_stated_error_is_one_message(capsys):
    assert main(['train', 'no_such_config.py']) == 1
    err = capsys.readouterr().err
    assert err == ("mmseg-inceptionnext train: FileNotFoundError: Config file "
                   "'no_such_config.py' does not exist. Give a path, or one of this package's "
                   'configs by name, e.g. mmseg_inceptionnext::upernet_inceptionnext_t_ade20k.py '
                   '(list them with `python -m mmseg_inceptionnext configs`).\n'
                   '(--debug shows the traceback)\n')


@pytest.mark.parametrize('switch', ['flag', 'environment'])
def test_debug_shows_the_traceback(monkeypatch, switch):
    args = ['train', 'no_such_config.py']
    if switch == 'flag':
        args.append('--debug')
    else:
        monkeypatch.setenv(cli.DEBUG_SWITCH, '1')
    with pytest.raises(FileNotFoundError, match='no_such_config.py'):
        main(args)


def test_an_unexpected_error_keeps_its_traceback(monkeypatch):
    from mmseg_inceptionnext.cli import configs

    def broken(argv):
        return {}['missing']  # a bug: KeyError raised by our code, not a stated error
    monkeypatch.setattr(configs, 'main', broken)
    with pytest.raises(KeyError):
        main(['configs'])


def test_errors_of_other_libraries_keep_their_traceback(monkeypatch):
    from mmseg_inceptionnext.cli import configs

    def from_elsewhere(argv):
        import json
        json.loads('{')  # a ValueError raised inside the standard library
    monkeypatch.setattr(configs, 'main', from_elsewhere)
    with pytest.raises(ValueError):
        main(['configs'])
