"""The built wheel carries everything a pip user needs, and the README's "Use it in your
project" walkthrough runs as written against it.

The wheel is built from a copy of the source tree (symlinks kept, as in a checkout) and
pip-installed into a separate environment whose interpreter cannot see this repository's
editable install: the environment reaches torch and the OpenMMLab packages through a
``.pth`` path line to the development environment's ``site-packages`` (a path line does not
run that folder's own ``.pth`` files, so the editable finder stays off). Every command runs
from a project folder outside the repository.
"""
import os
import os.path as osp
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile

import pytest

from tests.conftest import ROOT, user_env

IGNORED = shutil.ignore_patterns('.venv', '.venvs', '.git', 'work_dirs', 'data', 'build', 'dist',
                                 '*.egg-info', '__pycache__', '.pytest_cache', '.ruff_cache')


def _check(cmd, **kwargs):
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, **kwargs)
    assert proc.returncode == 0, (cmd, proc.stdout[-3000:] + proc.stderr[-3000:])
    return proc.stdout + proc.stderr


@pytest.fixture(scope='module')
def wheel_env(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('wheel')
    src = tmp / 'src'
    shutil.copytree(ROOT, src, symlinks=True, ignore=IGNORED)
    _check([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '-q',
            '-w', str(tmp / 'dist'), str(src)])
    wheel, = (tmp / 'dist').glob('mmseg_inceptionnext-*.whl')
    env_dir = tmp / 'env'
    _check([sys.executable, '-m', 'venv', '--without-pip', str(env_dir)])
    python = env_dir / 'bin' / 'python'
    site = _check([str(python), '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'])
    deps = sysconfig.get_paths()['purelib']  # this (development) environment's packages
    with open(osp.join(site.strip(), 'zz_development_packages.pth'), 'w') as f:
        f.write(deps + '\n')
    _check([str(python), '-m', 'pip', 'install', '--no-deps', '--no-index', '-q', str(wheel)])
    env = user_env(OMP_NUM_THREADS='1', PATH=f"{env_dir / 'bin'}{os.pathsep}{os.environ['PATH']}")
    project = tmp / 'my_project'
    project.mkdir()
    return dict(wheel=wheel, env_dir=env_dir, python=python, env=env, project=project)


def test_wheel_holds_configs_cli_and_startup_hook(wheel_env):
    names = set(zipfile.ZipFile(wheel_env['wheel']).namelist())
    configs = {osp.relpath(osp.join(d, f), osp.join(ROOT, 'configs'))
               for d, _, files in os.walk(osp.join(ROOT, 'configs')) for f in files
               if f.endswith('.py')}
    assert {'_base_/models/upernet.py', 'demo/upernet_inceptionnext_a_synthetic.py',
            'baselines/upernet_convnext_t_ade20k.py'} <= configs
    assert {f'mmseg_inceptionnext/configs/{c}' for c in configs} <= names
    assert {'mmseg_inceptionnext_startup.pth', 'mmseg_inceptionnext_startup.py',
            'mmseg_inceptionnext/__main__.py', 'mmseg_inceptionnext/cli/__init__.py',
            'mmseg_inceptionnext/cli/train.py'} <= names
    entry_points, = (n for n in names if n.endswith('.dist-info/entry_points.txt'))
    text = zipfile.ZipFile(wheel_env['wheel']).read(entry_points).decode()
    assert 'mmseg-inceptionnext = mmseg_inceptionnext.cli:main' in text


def test_installed_wheel_is_what_runs(wheel_env):
    out = _check([str(wheel_env['python']), '-c',
                  'import mmseg_inceptionnext, mmseg_inceptionnext_startup, sys; '
                  'print(mmseg_inceptionnext.__file__); '
                  'print(mmseg_inceptionnext_startup.__file__)'],
                 cwd=wheel_env['project'], env=wheel_env['env'])
    paths = out.split()
    assert all(p.startswith(str(wheel_env['env_dir'])) for p in paths), paths
    out = _check(['mmseg-inceptionnext', 'configs', 'upernet_inceptionnext_*'],
                 cwd=wheel_env['project'], env=wheel_env['env'])
    assert 'mmseg_inceptionnext::upernet_inceptionnext_t_ade20k.py' in out
    out = _check(['mmseg-inceptionnext', 'flops',
                  'mmseg_inceptionnext::fpn_inceptionnext_a_ade20k.py', '--shape', '64', '64'],
                 cwd=wheel_env['project'], env=wheel_env['env'])
    assert re.search(r'fpn_inceptionnext_a_ade20k\.py\s+64x64\s+7\.0M', out), out


def readme_steps():
    """The README's tested blocks, in order: (kind, argument, code). A block is marked by an
    HTML comment before its fence: ``<!-- readme-test: file NAME -->`` (write the block to
    NAME), ``<!-- readme-test: bash -->`` or ``<!-- readme-test: python -->`` (run it)."""
    with open(osp.join(ROOT, 'README.md')) as f:
        readme = f.read()
    pattern = r'<!-- readme-test: (\w+) ?([\w./]*) -->\n```\w*\n(.*?)```'
    return re.findall(pattern, readme, flags=re.S)


def test_readme_walkthrough_runs_as_written(wheel_env):
    steps = readme_steps()
    kinds = [kind for kind, _, _ in steps]
    assert kinds.count('file') >= 2 and kinds.count('bash') >= 2 and kinds.count('python') >= 2
    project, env = wheel_env['project'], wheel_env['env']
    outputs = []
    for kind, arg, code in steps:
        if kind == 'file':
            (project / arg).write_text(code)
        elif kind == 'bash':
            outputs.append(_check(['bash', '-euo', 'pipefail', '-c', code], cwd=project,
                                  env=env))
        else:
            outputs.append(_check(['python', '-W', 'ignore', '-c', code], cwd=project, env=env))
    text = '\n'.join(outputs)
    assert re.search(r'mIoU: \d', text) and re.search(r'coco/segm_mAP: \d', text)
    assert '(64, 64)' in text  # the MMSegInferencer snippet's printed prediction shape
    assert re.search(r'\d+ objects', text)  # the DetInferencer snippet's printed count
    assert (project / 'overlays' / 'ADE_val_00000001.png').exists()
