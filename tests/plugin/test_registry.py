"""Registration in MMSegmentation's and MMDetection's registries, and the import split."""
import subprocess
import sys
import textwrap

import pytest
import torch
from mmdet.registry import MODELS as MMDET_MODELS
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS as MMSEG_MODELS

import mmseg_inceptionnext  # noqa: F401
from mmseg_inceptionnext.plugin import ConvNeSt, InceptionNeXt


@pytest.mark.parametrize('registry,scope', [(MMSEG_MODELS, 'mmseg'), (MMDET_MODELS, 'mmdet')])
@pytest.mark.parametrize('cls,arch', [
    (InceptionNeXt, dict(depths=(1, 1, 1, 1), dims=(8, 16, 24, 32), band_kernel_size=3,
                         branch_ratio=0.25)),
    (ConvNeSt, dict(depths=(1, 1, 1, 1), dims=(8, 16, 24, 32), expand_ratio=2)),
])
def test_build_from_both_registries(registry, scope, cls, arch):
    init_default_scope(scope)
    norm = 'SyncBN' if cls is InceptionNeXt else 'ChannelsFirstLN'
    model = registry.build(dict(type=cls.__name__, arch=arch, out_indices=(0, 3),
                                norm_cfg=dict(type=norm)))
    assert type(model) is cls
    model = model.eval()
    outs = model(torch.randn(1, 3, 64, 64))
    assert [o.shape for o in outs] == [(1, 8, 16, 16), (1, 32, 2, 2)]


def test_names_are_registered_once_and_do_not_shadow_upstream():
    for registry in (MMSEG_MODELS, MMDET_MODELS):
        assert registry.get('InceptionNeXt') is InceptionNeXt
        assert registry.get('ConvNeSt') is ConvNeSt
    with pytest.raises(KeyError, match='already registered'):
        MMSEG_MODELS.register_module(name='InceptionNeXt', module=InceptionNeXt)


def test_model_code_imports_without_openmmlab():
    """``mmseg_inceptionnext.models`` needs only torch and timm."""
    code = textwrap.dedent('''
        import sys
        from importlib.machinery import PathFinder
        find_spec = PathFinder.find_spec

        def hide_openmmlab(name, path=None, target=None):  # as if they were not installed
            if name.split('.')[0] in ('mmcv', 'mmengine', 'mmseg', 'mmdet'):
                return None
            return find_spec(name, path, target)

        PathFinder.find_spec = hide_openmmlab
        import torch
        from mmseg_inceptionnext.models import InceptionNeXtNet, ConvNeStNet
        print([o.shape[1] for o in InceptionNeXtNet('atto')(torch.randn(1, 3, 64, 64))])
        assert not any(m.split('.')[0] in ('mmcv', 'mmengine') for m in sys.modules)
    ''')
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == '[40, 80, 160, 320]'
