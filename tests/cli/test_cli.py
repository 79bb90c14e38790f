"""The package command line (``python -m mmseg_inceptionnext``) and the repository's tools as
thin wrappers over it."""
import glob
import os.path as osp

import pytest

from mmseg_inceptionnext.cli import COMMANDS, main
from mmseg_inceptionnext.plugin.config_names import resolve_config
from tests.conftest import ROOT, TOOLS, run_here, run_python


def test_help_lists_every_command(capsys):
    assert main(['--help']) == 0
    out = capsys.readouterr().out
    for name in ('train', 'test', 'infer', 'flops', 'benchmark', 'export', 'convert', 'data',
                 'demo', 'soak', 'configs', 'fidelity'):
        assert f'  {name} ' in out
    assert set(COMMANDS) == {'train', 'test', 'infer', 'flops', 'benchmark', 'export',
                             'convert', 'data', 'demo', 'soak', 'configs', 'fidelity'}


@pytest.mark.parametrize('command', sorted(COMMANDS))
def test_each_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exc:
        main([command, '--help'])
    assert exc.value.code == 0
    assert f'usage: mmseg-inceptionnext {command}' in capsys.readouterr().out


def test_unknown_command(capsys):
    assert main(['trian']) == 2
    err = capsys.readouterr().err
    assert "unknown command 'trian'" in err and 'train, test, infer' in err


def test_config_argument_errors(capsys):
    with pytest.raises(FileNotFoundError, match='mmseg_inceptionnext::upernet_inceptionnext_t_'
                       r'ade20k\.py .*python -m mmseg_inceptionnext configs'):
        resolve_config('no_such_config.py')
    assert main(['train', 'mmseg_inceptionnext::no_such_config.py']) == 1
    assert capsys.readouterr().err.startswith(
        "mmseg-inceptionnext train: FileNotFoundError: 'mmseg_inceptionnext::no_such_config.py' "
        'is not a config of mmseg_inceptionnext')
    assert resolve_config('mmseg_inceptionnext::demo/upernet_inceptionnext_a_synthetic.py') \
        == osp.join(ROOT, 'mmseg_inceptionnext', 'configs', 'demo',
                    'upernet_inceptionnext_a_synthetic.py')


def test_commands_run_from_any_folder(tmp_path):
    code, out = run_here('-m', 'mmseg_inceptionnext', 'configs', 'demo/*', cwd=tmp_path)
    assert code == 0, out
    assert out.split() == [
        'mmseg_inceptionnext::demo/mask_rcnn_inceptionnext_a_synthetic.py',
        'mmseg_inceptionnext::demo/upernet_inceptionnext_a_synthetic.py']
    code, out = run_here('-m', 'mmseg_inceptionnext', 'data', 'ade20k', '--root', 'ade',
                         '--num-train', '2', '--num-val', '1', '--size', '32', cwd=tmp_path)
    assert code == 0, out
    assert len(glob.glob(str(tmp_path / 'ade/ADEChallengeData2016/images/training/*.jpg'))) == 2


def test_tools_are_thin_wrappers(tmp_path):
    tools = sorted(glob.glob(osp.join(TOOLS, '*.py')))
    assert len(tools) == 11
    for path in tools:
        with open(path) as f:
            text = f.read()
        assert 'sys.path' not in text and 'from mmseg_inceptionnext.cli import run' in text, path
        assert len(text.splitlines()) <= 15, path
    # a tool runs from another folder on the installed package, with no path set up for it
    # (a fresh interpreter: what its sys.path holds is the point)
    proc = run_python(osp.join(TOOLS, 'make_synthetic_data.py'), '--help', cwd=tmp_path)
    assert proc.returncode == 0 and 'ade20k' in proc.stdout, proc.stderr


def test_short_run_schedules_follow_one_rule():
    """The demos and the soak shorten a config's schedule through one library function."""
    from mmseg_inceptionnext.runs.short_runs import schedule_options
    poly = schedule_options(30, 'poly')
    assert 'param_scheduler.0.end=3' in poly and 'param_scheduler.1.begin=3' in poly
    assert 'param_scheduler.0.end=40' in schedule_options(4000, 'poly')  # warm-up capped
    step = schedule_options(400, 'step')
    assert 'param_scheduler.1.milestones=[300,368]' in step and 'train_cfg.max_iters=400' in step
    with pytest.raises(ValueError, match='at least 2'):
        schedule_options(1)
    with pytest.raises(ValueError, match="Unknown decay 'cosine'"):
        schedule_options(10, 'cosine')
