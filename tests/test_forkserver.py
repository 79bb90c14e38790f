"""The tests' fork server (tests/forkserver.py) gives a tool run what a fresh interpreter
gives it: command line, folder, environment, path, seeds, warning filters, thread count,
resource limits, exit code, signals; and it refuses what it cannot give."""
import json
import os
import subprocess
import sys
import textwrap

import pytest

from tests import forkserver


@pytest.fixture(autouse=True)
def _the_server(monkeypatch):
    """These tests are of the server: they use it under TESTS_FRESH_INTERPRETERS=1 too."""
    monkeypatch.delenv('TESTS_FRESH_INTERPRETERS', raising=False)


PROBE = textwrap.dedent('''
    import json, os, random, sys, warnings
    import torch
    os.makedirs('out', exist_ok=True)
    limit_hit = None
    try:
        with open('out/big.bin', 'wb') as f:
            f.write(b'0' * (2 << 20))
    except OSError as exc:
        limit_hit = exc.errno
    print(json.dumps(dict(
        argv=sys.argv, cwd=os.getcwd(), path0=sys.path[0], probe_env=os.environ.get('PROBE'),
        pythonpath_first=sys.path[1], ours_imported='mmseg_inceptionnext' in sys.modules,
        threads=torch.get_num_threads(), limit_hit=limit_hit,
        ignores_user_warnings=any(f[0] == 'ignore' and f[2] is Warning
                                  for f in warnings.filters),
        seeds=[random.random(), torch.initial_seed()])))
    sys.stderr.write('to stderr\\n')
    sys.exit(3)
''')


def _probe(run, tmp_path, name):
    work = tmp_path / name
    work.mkdir()
    env = dict(os.environ, PROBE=name, PYTHONPATH=str(tmp_path), OMP_NUM_THREADS='1')
    proc = run([sys.executable, '-W', 'ignore', '-c', PROBE, 'one', 'two'], cwd=work, env=env,
               capture_output=True, text=True, rlimits=dict(RLIMIT_FSIZE=(1 << 20, 1 << 20)))
    assert proc.returncode == 3 and proc.stderr.endswith('to stderr\n'), proc.stderr[-2000:]
    return json.loads(proc.stdout)


def _fresh(args, rlimits, **kwargs):
    return subprocess.run(args, preexec_fn=lambda: forkserver._set_rlimits(rlimits), **kwargs)


def test_a_forked_run_sees_what_a_fresh_interpreter_sees(tmp_path):
    fresh = _probe(_fresh, tmp_path, 'fresh')
    forked, again = (_probe(forkserver.run, tmp_path, name) for name in ('forked', 'again'))
    for got, name in ((fresh, 'fresh'), (forked, 'forked')):
        assert got['argv'] == ['-c', 'one', 'two'] and got['cwd'] == str(tmp_path / name)
        assert got['path0'] == '' and got['pythonpath_first'] == str(tmp_path)
        assert got['probe_env'] == name and got['threads'] == 1
        assert got['limit_hit'] == 27  # EFBIG: the file size limit applies
        assert got['ignores_user_warnings'] and not got['ours_imported']
    # each run draws its own seeds, as separate interpreters do
    assert forked['seeds'][0] != again['seeds'][0] and forked['seeds'][1] != again['seeds'][1]


def test_a_killed_run_reports_the_signal_and_a_start_up_variable_is_refused(tmp_path):
    proc = forkserver.Popen([sys.executable, '-c', 'import time; time.sleep(60)'], cwd=tmp_path,
                            stdout=subprocess.DEVNULL)
    assert proc.poll() is None
    proc.kill()
    assert proc.wait(timeout=30) == -9
    with pytest.raises(ValueError, match=r"\['PYTHONHASHSEED'\] differ .* run this command "
                                         'with subprocess'):
        forkserver.run([sys.executable, '-c', 'pass'], env=dict(os.environ, PYTHONHASHSEED='1'))


def test_the_python_shim_passes_streams_and_exit_codes_through(tmp_path):
    command = forkserver._server().client_command()
    proc = subprocess.run([*command, '-c', 'import sys; print(input()); sys.exit(5)'],
                          input='echo\n', capture_output=True, text=True, cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (5, 'echo\n'), proc.stderr
    proc = subprocess.run([*command, '-c', 'import os; os.kill(os.getpid(), 9)'])
    assert proc.returncode == -9
