"""Our T-size configs against the OpenMMLab configs whose recipes they follow, key by key.

The COCO configs follow ConvNeXt's 3x recipes as MMDetection ships them
(``convnext/mask-rcnn_convnext-t-p4-w7_fpn_amp-ms-crop-3x_coco.py`` and
``convnext/cascade-mask-rcnn_convnext-t-p4-w7_fpn_4conv1fc-giou_amp-ms-crop-3x_coco.py``), the
ConvNeSt UperNet configs ConvNeXt's UperNet recipe as MMSegmentation ships it
(``convnext/convnext-tiny_upernet_8xb2-amp-160k_ade20k-512x512.py``). Both sides are resolved
by mmengine and compared setting by setting (every key the runner and the stock tools read).
``docs/recipes.md`` has a section per compared config, headed by its file name, that names
the upstream file and lists, as ``- `key`: why`` bullets, every key where ours differs. The
test fails on a difference the page does not list, and on a listed key that no longer
differs.
"""
import os.path as osp
import re

import mmdet
import mmseg
import pytest
from mmengine.config import Config

import mmseg_inceptionnext  # noqa: F401
from tests.config_diff import UNSET, covers, differences, flatten, not_covered, settings

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
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
RECIPES = osp.join(ROOT, 'docs', 'recipes.md')
HEADING = re.compile(r'^#+ `([\w/]+\.py)`\s*$')
LISTED = re.compile(r'^- `([\w.\[\]]+)`: \S')
UPSTREAM = re.compile(r'`(convnext/[\w.-]+\.py)`')


def documented_differences(text):
    """``{config name: (upstream files named, [listed keys])}`` from the sections of
    docs/recipes.md headed by a config's file name in backquotes; a section runs to the next
    heading."""
    sections, name = {}, None
    for line in text.splitlines():
        if line.startswith('#'):
            match = HEADING.match(line)
            name = match.group(1) if match else None
            if name:
                assert name not in sections, f'two sections for {name}'
                sections[name] = ([], [])
        elif name:
            sections[name][0].extend(UPSTREAM.findall(line))
            if LISTED.match(line):
                sections[name][1].append(LISTED.match(line).group(1))
    return sections


def listed_differences(name):
    """The keys docs/recipes.md lists as different from upstream for ``name``."""
    with open(RECIPES) as f:
        return documented_differences(f.read()).get(name, ([], []))[1]


def test_the_page_documents_exactly_the_compared_configs():
    with open(RECIPES) as f:
        sections = documented_differences(f.read())
    listing = {name for name, (_, keys) in sections.items() if keys}
    assert listing == set(PAIRS), 'sections with a list of differences: ' + str(sorted(listing))
    for name, upstream in PAIRS.items():
        named = set(sections[name][0])
        assert named == {'convnext/' + osp.basename(upstream)}, (name, named)


def test_documented_differences_reads_only_config_sections():
    text = '\n'.join([
        '# Title', '- `not_a_config_section`: ignored',
        '## `a.py`', 'Follows `convnext/up.py` and differs in:', '',
        '- `model.backbone`: ours', '  continued', '- `tta_pipeline[1]`: x', '-`bad`: x',
        '### Notes', '- `model.neck`: not under a config heading',
        '### `baselines/b.py`', '- `custom_hooks`: y'])
    assert documented_differences(text) == {
        'a.py': (['convnext/up.py'], ['model.backbone', 'tta_pipeline[1]']),
        'baselines/b.py': ([], ['custom_hooks'])}


@pytest.mark.parametrize('name', sorted(PAIRS))
def test_differences_from_the_upstream_recipe_are_the_listed_ones(name, monkeypatch):
    for var in ('INCEPTIONNEXT_CKPT_DIR', 'CONVNEST_CKPT_DIR', 'CONVNEXT_CKPT_DIR'):
        monkeypatch.setenv(var, '/weights')
    ours = settings(osp.join(ROOT, 'configs', name))
    # upstream's custom_imports names mmpretrain, which this project does not install
    theirs = settings(PAIRS[name], import_custom_modules=False)
    differ = differences(ours, theirs)
    listed = listed_differences(name)
    assert listed, f'{name} has no list of differences in docs/recipes.md'
    unlisted = [f'{k}: ours {ours.get(k, UNSET)!r}, theirs {theirs.get(k, UNSET)!r}'
                for k in not_covered(differ, listed)]
    stale = [key for key in listed if not any(covers(key, k) for k in differ)]
    assert not unlisted, f'{name}: differences recipes.md does not list:\n' + '\n'.join(unlisted)
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
