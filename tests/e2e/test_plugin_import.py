"""What the plugin changes in a process: the registrations (all made by ``import
mmseg_inceptionnext`` where OpenMMLab is installed), the start-up hook that lets stock mmengine
read ``mmseg_inceptionnext::`` bases, and the weights-only allow-list for mmengine checkpoints;
all checked against the list of docs/plugin.md ("What importing the plugin changes").

Import and start-up behaviour is checked in fresh interpreters (subprocesses), as a stock
tool starts.
"""
import glob
import json
import os.path as osp
import re

import pytest

import mmseg_inceptionnext  # noqa: F401  (the allow-list, as custom_imports would)
from mmseg_inceptionnext.safety.safe_load import allowed_globals
from tests.conftest import ROOT, run_python, user_env


def _python(code, cwd, env=None):
    """Run ``code`` in a fresh interpreter, the environment as a user's shell has it (the
    installed package only) with ``env`` set; returns (exit code, stdout, stderr)."""
    proc = run_python('-c', code, cwd=cwd, env=user_env(**(env or {})), timeout=300)
    return proc.returncode, proc.stdout, proc.stderr


def _ok(code, cwd, env=None):
    """:func:`_python` that must succeed; returns its standard output."""
    rc, out, err = _python(code, cwd, env)
    assert rc == 0, err[-3000:]
    return out


OPENMMLAB = ('mmengine', 'mmcv', 'mmseg', 'mmdet', 'mmpretrain')


def _readme():
    with open(osp.join(ROOT, 'docs', 'plugin.md')) as f:
        return f.read()


def _readme_table(marker):
    """Rows of the docs/plugin.md table between ``<!-- marker -->`` and ``<!-- /marker -->``, each a
    list of the backticked names of its cells."""
    readme = _readme()
    section = readme[readme.index(f'<!-- {marker} -->'):readme.index(f'<!-- /{marker} -->')]
    rows = re.findall(r'^\|(.*)\|\s*$', section, flags=re.M)[2:]
    return [[re.findall(r'`([\w.]+)`', cell) for cell in row.split('|')] for row in rows]


def readme_registrations():
    """The registrations table of docs/plugin.md: registry -> names (its first two columns)."""
    listed = {}
    for registries, names, *_ in _readme_table('registrations'):
        for registry in registries:
            listed.setdefault(registry, set()).update(names)
    return listed


def test_models_import_without_openmmlab(tmp_path):
    """Where mmengine and mmcv are not installed (blocked here through ``sys.modules``),
    the package and its pure-torch models import and run with torch and timm alone."""
    code = ('import json, sys, torch\n'
            f'for name in {OPENMMLAB!r}:\n'
            '    sys.modules[name] = None  # as if not installed: find_spec answers None\n'
            'from mmseg_inceptionnext.models import ConvNeStNet, InceptionNeXtNet\n'
            'x = torch.randn(1, 3, 64, 64)\n'
            'channels = [o.shape[1] for o in InceptionNeXtNet("atto").eval()(x)]\n'
            'ConvNeStNet("atto").eval()(x)\n'
            'loaded = sorted(m for m in sys.modules if m.split(".")[0] in '
            f'{OPENMMLAB!r} and sys.modules[m] is not None)\n'
            'ours = sorted(m for m in sys.modules if m.startswith("mmseg_inceptionnext.")'
            ' and m.split(".")[1] in ("plugin", "safety", "runs"))\n'
            'print(json.dumps([channels, loaded, ours]))')
    out = _ok(code, tmp_path)
    assert json.loads(out) == [[40, 80, 160, 320], [], []]


#: Printed by every registration scenario: what is registered where (objects of this package
#: or of timm), read before anything here imports a registry (which would register).
REGISTERED = '''
import json, sys
from_plugin = 'mmseg_inceptionnext.plugin' in sys.modules
import importlib, torch
from mmengine.config import Config
from mmengine.fileio.backends import registry_utils
from mmengine.registry import Registry

def ours(obj):
    return getattr(obj, '__module__', '').split('.')[0] in ('mmseg_inceptionnext', 'timm')

found, seen = {}, set()
for module in ('mmengine.registry', 'mmseg.registry', 'mmdet.registry'):
    for attr, registry in vars(importlib.import_module(module)).items():
        if isinstance(registry, Registry) and id(registry) not in seen:
            seen.add(id(registry))  # mmdet.registry.MMENGINE_MODELS is mmengine's MODELS
            names = sorted(k for k, v in registry.module_dict.items() if ours(v))
            if names:
                found[f'{module}.{attr}'] = names
found['mmengine.fileio.backends'] = sorted(
    k for k, v in registry_utils.backends.items() if ours(v))
print('RESULT ' + json.dumps(dict(
    plugin=from_plugin, registered=found, built=globals().get('built'),
    prefix=getattr(Config._get_cfg_path, '_mmseg_inceptionnext', False),
    safe=[e[1] for e in torch.serialization.get_safe_globals() if isinstance(e, tuple)])))
'''
_BUILD = ("m = MODELS.build(dict(type='InceptionNeXt', arch=dict(depths=(1, 1, 1, 1), "
          "dims=(8, 16, 24, 32), band_kernel_size=3, branch_ratio=0.25)))\n"
          'built = type(m).__module__ + "." + type(m).__name__\n')
_CONFIG = ("open('cfg.py', 'w').write({!r})\n"
           "from mmengine.config import Config\nConfig.fromfile('cfg.py')\n")
REGISTRATION_PATHS = {
    # a config's custom_imports, run by mmengine's Config.fromfile (start-up hook off, so
    # the import patches Config): registers at once, OpenMMLab being loaded
    'custom_imports': _CONFIG.format("custom_imports = dict(imports=['mmseg_inceptionnext'], "
                                     "allow_failed_imports=False)\n"),
    # the plugin first: it imports what it registers into
    'plugin, then mmseg': 'import mmseg_inceptionnext\nfrom mmseg.registry import MODELS\n'
                          + _BUILD,
    'models, then mmdet.apis': 'import mmseg_inceptionnext.models\n'
                               'from mmdet.apis import init_detector\n'
                               'from mmdet.registry import MODELS\n' + _BUILD,
    'plugin, then mmcv': 'import mmseg_inceptionnext\nimport mmcv\nassert mmcv.imread\n',
}
# Elsewhere in this file: OpenMMLab then the plugin (test_importing_changes_exactly_...),
# the plugin then mmengine (test_startup_hook_switched_off), a config by name through the
# start-up hook (test_stock_mmengine_reads_configs_by_name); in-process builds after the
# registries: tests/plugin/test_registry.py; the stock tools: tests/e2e/test_stock_tools.py.


def check_registered(out, built=False):
    """Assert what :data:`REGISTERED` printed: the docs/plugin.md registrations, the prefix and the
    allow-list, all made by the code before it."""
    got = json.loads(re.search(r'^RESULT (.*)$', out, flags=re.M).group(1))
    assert got['plugin']
    assert {k: set(v) for k, v in got['registered'].items()} == readme_registrations()
    assert got['prefix'] and set(allowed_globals()) <= set(got['safe'])
    if built:
        assert got['built'] == 'mmseg_inceptionnext.plugin.backbones.InceptionNeXt'


@pytest.mark.parametrize('path', sorted(REGISTRATION_PATHS))
def test_every_registration_path_registers_what_the_readme_lists(tmp_path, path):
    env = {'MMSEG_INCEPTIONNEXT_STARTUP': '0'} if path == 'custom_imports' else {}
    rc, out, err = _python(REGISTRATION_PATHS[path] + REGISTERED, tmp_path, env=env)
    assert rc == 0 and 'RuntimeWarning' not in err, err[-3000:]
    check_registered(out, built='MODELS.build' in REGISTRATION_PATHS[path])


def test_a_broken_toolbox_costs_a_warning(tmp_path):
    """An installed toolbox that fails to import (here an mmdet that refuses the installed
    mmcv, as its version check does) costs a warning naming it and the error; the plugin
    registers in the other toolbox and the user's import succeeds."""
    fake = tmp_path / 'fake' / 'mmdet'
    fake.mkdir(parents=True)
    (fake / '__init__.py').write_text("raise AssertionError('MMCV==2.1.0 is incompatible')\n")
    code = ('import sys, warnings\n'
            "sys.path.insert(0, 'fake')\n"
            'with warnings.catch_warnings(record=True) as caught:\n'
            '    warnings.simplefilter("always")\n'
            '    import mmseg_inceptionnext\n'
            'from mmseg.registry import MODELS\n'
            "print(MODELS.module_dict['InceptionNeXt'].__name__)\n"
            'print([str(w.message) for w in caught if w.category is RuntimeWarning])\n')
    out = _ok(code, tmp_path)
    first, warned = out.splitlines()
    assert first == 'InceptionNeXt'
    assert "mmdet is installed but cannot be imported (AssertionError: MMCV==2.1.0 is " \
           "incompatible)" in warned and 'import mmdet' in warned


def test_startup_hook_leaves_mmengine_as_it_was(tmp_path):
    """The start-up hook's finder acts once: after mmengine's config module is imported it is
    off ``sys.meta_path``, ``Config`` is patched, and the module keeps what its real loader
    gives (its source, for tracebacks and ``inspect``)."""
    code = ('import inspect, json, sys\n'
            'import mmengine.config.config as module\n'
            'print(json.dumps([any(type(f).__module__ == "mmseg_inceptionnext_startup"\n'
            '                      for f in sys.meta_path),\n'
            '                  getattr(module.Config._get_cfg_path, "_mmseg_inceptionnext", 0),\n'
            '                  "class Config" in inspect.getsource(module)]))\n')
    out = _ok(code, tmp_path)
    assert json.loads(out) == [False, True, True]


#: The process before and after ``import mmseg_inceptionnext``, OpenMMLab loaded first with
#: the modules the glue imports (so that their own registrations are not counted as ours).
BEFORE_AND_AFTER = '''
import json, logging, os, sys, warnings
import torch, timm, mmengine, mmengine.model, mmengine.hooks, mmengine.runner  # noqa: F401
import mmcv.cnn, mmcv.transforms, mmseg.registry, mmdet.registry  # noqa: F401
from mmengine.config import Config
from mmengine.fileio.backends import registry_utils
from mmengine.registry import Registry
from mmengine.runner import CheckpointLoader

def state():
    registries, seen = {}, set()
    for module in ('mmengine.registry', 'mmseg.registry', 'mmdet.registry'):
        for attr, registry in vars(sys.modules[module]).items():
            if isinstance(registry, Registry) and id(registry) not in seen:
                seen.add(id(registry))
                registries[f'{module}.{attr}'] = sorted(registry.module_dict)
    registries['mmengine.fileio.backends'] = sorted(registry_utils.backends)
    return dict(
        registries=registries, config={k: repr(v) for k, v in vars(Config).items()},
        loaders={k: f'{v.__module__}.{v.__name__}' for k, v in CheckpointLoader._schemes.items()},
        safe=[repr(e) for e in torch.serialization.get_safe_globals()],
        meta_path=[repr(f) for f in sys.meta_path], path=list(sys.path),
        environ=dict(os.environ), warning_filters=[repr(f) for f in warnings.filters],
        root_logger=[logging.root.level, repr(logging.root.handlers)],
        torch=[torch.get_num_threads(), str(torch.get_default_dtype()),
               torch.are_deterministic_algorithms_enabled()])

def added(new, old):
    return sorted(set(new) - set(old))

before = state()
read, getitem = [], os._Environ.__getitem__
os._Environ.__getitem__ = lambda self, key: (read.append(key), getitem(self, key))[1]
import mmseg_inceptionnext  # noqa: F401
os._Environ.__getitem__ = getitem
after = state()
safe = [e for e in torch.serialization.get_safe_globals() if repr(e) not in before['safe']]
print('RESULT ' + json.dumps(dict(
    registered={k: added(v, before['registries'].get(k, [])) for k, v in
                after['registries'].items() if added(v, before['registries'].get(k, []))},
    config=sorted(k for k in set(before['config']) | set(after['config'])
                  if before['config'].get(k) != after['config'].get(k)),
    safe=sorted(e[1] if isinstance(e, tuple) else repr(e) for e in safe),
    loaders={k: v for k, v in after['loaders'].items() if before['loaders'].get(k) != v},
    unchanged=sorted(k for k in before if k not in ('registries', 'config', 'safe', 'loaders')
                     and before[k] == after[k]),
    environment_read=read)))
'''


def test_importing_changes_exactly_what_the_readme_lists(tmp_path):
    """In a process with OpenMMLab loaded (the ``custom_imports`` case), ``import
    mmseg_inceptionnext`` registers exactly the docs/plugin.md table, allows exactly its globals,
    patches ``Config`` (start-up hook off, so the import does it), reads no environment
    variable and leaves the rest alone."""
    out = _ok(BEFORE_AND_AFTER, tmp_path, env={'MMSEG_INCEPTIONNEXT_STARTUP': '0'})
    got = json.loads(re.search(r'^RESULT (.*)$', out, flags=re.M).group(1))
    assert {k: set(v) for k, v in got['registered'].items()} == readme_registrations()
    assert set(got['safe']) == set(allowed_globals())
    assert got['config'] == ['_get_cfg_path', 'fromfile']
    loaders = 'mmseg_inceptionnext.safety.safe_load.load_from_'
    assert got['loaders'] == {'': loaders + 'local', 'http://': loaders + 'http',
                              'https://': loaders + 'http'}
    assert got['unchanged'] == ['environ', 'meta_path', 'path', 'root_logger', 'torch',
                                'warning_filters']
    assert got['environment_read'] == []


def test_openmmlab_bases_resolve_as_mmengine_resolves_them(tmp_path, monkeypatch):
    """A ``pkg::_base_/...`` base goes straight to the file mmengine's own lookup ends at (it
    first reads every metafile of the package): the same path and scope for every OpenMMLab
    base our configs name, and for a model's config or a missing base, mmengine's own answer
    (taken in a process without the start-up hook or the package)."""
    from mmengine.config import Config
    configs = glob.glob(osp.join(ROOT, 'configs', '**', '*.py'), recursive=True)
    names = {m for p in configs for m in re.findall(r"'(mm\w+::_base_/[^']+)'", open(p).read())}
    assert len(names) >= 8, names
    here = osp.join(ROOT, 'configs', 'x.py')
    model = 'mmseg::pspnet/pspnet_r50-d8_4xb2-40k_cityscapes-512x1024.py'
    code = ('import json\nfrom mmengine.config import Config\n'
            f'print(json.dumps({{n: Config._get_cfg_path(n, {here!r}) for n in '
            f'{sorted(names) + [model]!r}}}))\n')
    out = _ok(code, tmp_path, env={'MMSEG_INCEPTIONNEXT_STARTUP': '0'})
    expected = {name: tuple(found) for name, found in json.loads(out).items()}

    def no_metafiles(*args):
        raise AssertionError('read the metafiles')
    with monkeypatch.context() as patch:
        patch.setattr('mmengine.config.utils._get_cfg_metainfo', no_metafiles)
        for name in sorted(names):
            assert Config._get_cfg_path(name, here) == expected[name], name
    assert Config._get_cfg_path(model, here) == expected[model]
    assert '_base_' not in expected[model][0]
    for missing in ('mmseg::_base_/datasets/nope.py', 'mmdet::_base_/nope.py'):
        with pytest.raises(FileNotFoundError):
            Config._get_cfg_path(missing, here)


def test_startup_hook_is_lazy(tmp_path):
    code = ('import json, sys; print(json.dumps(sorted(m for m in sys.modules if m.startswith('
            '("mmengine", "mmcv", "mmseg", "mmdet", "torch", "numpy", "mmseg_inceptionnext")))))')
    out = _ok(code, tmp_path)
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
    out = _ok(code + REGISTERED, tmp_path)
    got = json.loads(out.splitlines()[0])
    assert got.pop('imported') is True  # the configs' custom_imports register our modules
    check_registered(out)
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
    out = _ok(code, tmp_path)
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
    out = _ok('import mmseg_inceptionnext\n' + code + REGISTERED, tmp_path,
                           env={'MMSEG_INCEPTIONNEXT_STARTUP': '0'})
    got = json.loads(out.splitlines()[0])
    assert got['demo/upernet_inceptionnext_a_synthetic.py'][0] == 'InceptionNeXt'
    check_registered(out)
