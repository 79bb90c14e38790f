"""Our T-size configs against the OpenMMLab configs whose recipes they follow, key by key.

The COCO configs follow ConvNeXt's 3x recipes as MMDetection ships them
(``convnext/mask-rcnn_convnext-t-p4-w7_fpn_amp-ms-crop-3x_coco.py`` and
``convnext/cascade-mask-rcnn_convnext-t-p4-w7_fpn_4conv1fc-giou_amp-ms-crop-3x_coco.py``), the
ConvNeSt UperNet configs ConvNeXt's UperNet recipe as MMSegmentation ships it
(``convnext/convnext-tiny_upernet_8xb2-amp-160k_ade20k-512x512.py``). Both sides are resolved
by mmengine and compared setting by setting (every key the runner and the stock tools read);
each config lists, in a comment block headed "Differences from", every key where it differs
and why. The test fails on a difference the comment does not list, and on a listed key that
no longer differs.
"""
import os.path as osp
import re

import mmdet
import mmseg
import pytest
from mmengine.config import Config

import mmseg_inceptionnext  # noqa: F401
from tests.config_diff import UNSET, covers, differences, flatten, not_covered, settings

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
MMDET = osp.join(osp.dirname(mmdet.__file__), '.mim', 'configs', 'convnext')
MMSEG = osp.join(osp.dirname(mmseg.__file__), '.mim', 'configs', 'convnext')
MASK = osp.join(MMDET, 'mask-rcnn_convnext-t-p4-w7_fpn_amp-ms-crop-3x_coco.py')
CASCADE = osp.join(MMDET, 'cascade-mask-rcnn_convnext-t-p4-w7_fpn_4conv1fc-giou_amp-ms-crop-3x'
                          '_coco.py')
UPERNET = osp.join(MMSEG, 'convnext-tiny_upernet_8xb2-amp-160k_ade20k-512x512.py')
PAIRS = {
    'mask_rcnn_inceptionnext_t_fpn_3x_coco.py': MASK,
    'mask_rcnn_convnest_t_fpn_3x_coco.py': MASK,
    'baselines/mask_rcnn_convnext_t_fpn_3x_coco.py': MASK,
    'cascade_mask_rcnn_inceptionnext_t_fpn_3x_coco.py': CASCADE,
    'cascade_mask_rcnn_convnest_t_fpn_3x_coco.py': CASCADE,
    'upernet_convnest_t_ade20k.py': UPERNET,
}
LISTED = re.compile(r'^# - ([\w.\[\]]+): \S')


def listed_differences(path):
    """The keys a config's "Differences from" comment block lists."""
    keys, inside = [], False
    for line in open(path):
        if line.startswith('# Differences from'):
            inside = True
        elif inside and LISTED.match(line):
            keys.append(LISTED.match(line).group(1))
        elif inside and not line.startswith('#   '):
            inside = False
    return keys


@pytest.mark.parametrize('name', sorted(PAIRS))
def test_differences_from_the_upstream_recipe_are_the_listed_ones(name, monkeypatch):
    for var in ('INCEPTIONNEXT_CKPT_DIR', 'CONVNEST_CKPT_DIR', 'CONVNEXT_CKPT_DIR'):
        monkeypatch.setenv(var, '/weights')
    ours = settings(osp.join(ROOT, 'configs', name))
    # upstream's custom_imports names mmpretrain, which this project does not install
    theirs = settings(PAIRS[name], import_custom_modules=False)
    differ = differences(ours, theirs)
    listed = listed_differences(osp.join(ROOT, 'configs', name))
    assert listed, f'{name} has no "Differences from" comment block'
    unlisted = [f'{k}: ours {ours.get(k, UNSET)!r}, theirs {theirs.get(k, UNSET)!r}'
                for k in not_covered(differ, listed)]
    stale = [key for key in listed if not any(covers(key, k) for k in differ)]
    assert not unlisted, f'{name}: differences its comment does not list:\n' + '\n'.join(unlisted)
    assert not stale, f'{name}: listed as different but equal to upstream: {stale}'


@pytest.mark.parametrize('name', sorted(PAIRS))
def test_the_guard_wraps_upstreams_very_training_pipeline(name):
    """The one listed pipeline difference is the BadSampleGuard wrapper: inside it stand
    upstream's own transforms."""
    ours = Config.fromfile(osp.join(ROOT, 'configs', name)).train_dataloader.dataset.pipeline
    theirs = Config.fromfile(PAIRS[name], import_custom_modules=False)
    assert [t['type'] for t in ours] == ['BadSampleGuard']
    assert flatten(ours[0]['transforms']) == flatten(theirs.train_dataloader.dataset.pipeline)


def test_flatten_sees_every_kind_of_difference():
    a = dict(model=dict(backbone=dict(type='A', depth=1)), pipeline=[dict(type='X')], s=(1, 2))
    b = dict(model=dict(backbone=dict(type='A')), pipeline=[dict(type='X'), dict(type='Y')],
             s=[1, 2])
    assert differences(flatten(a), flatten(b)) == [
        'model.backbone.depth', 'pipeline[1]', 'pipeline[1].type', 'pipeline[2]']
    assert covers('model.backbone', 'model.backbone.depth')
    assert not covers('model.back', 'model.backbone.depth')
    assert not_covered(['model.backbone.depth', 'pipeline[1]'], ['model']) == ['pipeline[1]']
