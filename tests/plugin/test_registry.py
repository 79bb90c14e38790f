"""Registration in MMSegmentation's and MMDetection's registries (the pure models importing without
OpenMMLab: tests/e2e/test_plugin_import.py)."""

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


