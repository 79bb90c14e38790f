"""The reliability settings tools/train.py and tools/test.py add to a config, and those the
config makes itself, which they leave alone."""
import glob
import os.path as osp

from mmengine.config import Config

from mmseg_inceptionnext.safety.config_edits import (
    add_testing_safeguards,
    add_training_safeguards,
)
from tests.conftest import ROOT


def _types(hooks):
    return [h['type'] for h in hooks]


def test_safeguards_are_added_once_and_never_override_the_config():
    cfg = Config(dict(
        model=dict(decode_head=dict(num_classes=5)),
        train_dataloader=dict(dataset=dict(type='ConcatDataset', datasets=[
            dict(pipeline=[dict(type='LoadImageFromFile'), dict(type='PackSegInputs')]),
            dict(pipeline=[dict(type='BadSampleGuard', transforms=[], num_classes=3)]),
            dict(type='MultiImageMixDataset',  # a Mosaic pipeline loads nothing itself
                 pipeline=[dict(type='Mosaic'), dict(type='PackDetInputs')],
                 dataset=dict(pipeline=[dict(type='LoadImageFromFile')]))])),
        custom_hooks=[dict(type='BadSampleHook', max_skipped=7)],
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=10))))
    for _ in range(2):
        add_training_safeguards(cfg)
    first, second, mosaic = cfg.train_dataloader.dataset.datasets
    assert [s.type for s in mosaic.pipeline + mosaic.dataset.pipeline] == [
        'Mosaic', 'PackDetInputs', 'LoadImageFromFile']
    assert first.pipeline == [dict(
        type='BadSampleGuard', num_classes=5, ignore_index=255,
        transforms=[dict(type='LoadImageFromFile'), dict(type='PackSegInputs')])]
    assert second.pipeline[0].num_classes == 3 and len(second.pipeline) == 1
    assert cfg.custom_hooks == [dict(type='BadSampleHook', max_skipped=7),
                                dict(type='NonFiniteCheckHook')]
    assert cfg.default_hooks.checkpoint.backend_args == dict(backend='atomic_local')


def test_remote_checkpoints_and_other_backends_are_left_alone():
    for checkpoint in (dict(out_dir='s3://bucket/run'), dict(backend_args=dict(backend='petrel'))):
        cfg = Config(dict(default_hooks=dict(checkpoint=dict(checkpoint))))
        add_training_safeguards(cfg)
        assert cfg.default_hooks.checkpoint == checkpoint
    cfg = Config(dict(test_dataloader=dict(dataset=dict(pipeline=[]))))
    add_testing_safeguards(cfg)
    assert _types(cfg.custom_hooks) == ['BadSampleHook', 'NonFiniteCheckHook']


def test_paper_and_demo_configs_switch_the_settings_on_themselves():
    for name in ('upernet_inceptionnext_s_ade20k.py', 'fpn_inceptionnext_t_ade20k.py',
                 'upernet_convnest_t_ade20k.py', 'demo/upernet_inceptionnext_a_synthetic.py',
                 'mask_rcnn_inceptionnext_t_fpn_1x_coco.py',
                 'cascade_mask_rcnn_convnest_t_fpn_3x_coco.py',
                 'demo/mask_rcnn_inceptionnext_a_synthetic.py'):
        cfg = Config.fromfile(osp.join(ROOT, 'configs', name))
        before = cfg.to_dict()
        add_training_safeguards(cfg)
        assert cfg.to_dict() == before, name  # nothing left for the tools to add
        guard, = cfg.train_dataloader.dataset.pipeline
        assert guard.type == 'BadSampleGuard' and guard.transforms[-1].type.startswith('Pack')
        if 'decode_head' in cfg.model:  # segmentation labels are checked against the classes
            assert guard.num_classes == cfg.model.decode_head.num_classes, name
        else:  # mmdet maps categories to labels itself; the demo checks them anyway
            heads = cfg.model.roi_head.bbox_head  # a list for Cascade R-CNN
            classes = (heads if isinstance(heads, dict) else heads[0]).num_classes
            assert guard.get('num_classes') in (None, classes), name


def test_every_test_named_in_errors_md_exists():
    import re
    table = open(osp.join(ROOT, 'docs', 'errors.md')).read()
    named = []
    for row in table.splitlines():
        current = None
        for file, name in re.findall(r'`(test_\w+\.py)?::(\w+)`', row):
            current = file or current
            named.append((current, name))
    assert len(named) > 20 and all(file for file, _ in named)
    files = {osp.basename(p): p for p in glob.glob(osp.join(ROOT, 'tests', '**', 'test_*.py'),
                                                   recursive=True)}
    for file, name in named:
        assert file in files, file
        source = open(files[file]).read()
        assert f'def {name}(' in source, f'{file}::{name}'
