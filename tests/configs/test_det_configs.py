"""Every detection config under configs/ parses, agrees with the recipe and the drop-path
table, builds, and runs a loss and a predict forward on the CPU; the ConvNeXt baselines differ
from their InceptionNeXt configs in the backbone only; and a few iterations of training + COCO
evaluation run through the tools on generated data."""
import glob
import json
import os.path as osp
import re

import numpy as np
import pytest
import torch
from mmengine.config import Config

import mmseg_inceptionnext  # noqa: F401
from mmseg_inceptionnext.recipes import DROP_PATH_RATES, LR_DECAY
from mmseg_inceptionnext.runs.runner import build_model
from mmseg_inceptionnext.synthetic import make_coco_like
from tests.config_diff import differences, not_covered, settings
from tests.conftest import DEMO_DET as DEMO
from tests.conftest import (
    ROOT,
    TOOLS,
    assert_baseline_differs_only_in_backbone,
    check_here,
    load_without_allow_list,
)

HEADS = ('mask_rcnn', 'cascade_mask_rcnn')
CONFIGS = sorted(p for p in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'), recursive=True)
                 if '_base_' not in p and osp.basename(p).startswith(HEADS))
PAPER = sorted(p for p in CONFIGS if osp.dirname(p) == osp.join(ROOT, 'configs'))
BASELINES = sorted(p for p in CONFIGS if osp.dirname(p) == osp.join(ROOT, 'configs', 'baselines'))
NAME = re.compile(r'(mask_rcnn|cascade_mask_rcnn)_(inceptionnext|convnest)_(\w)_fpn_(1x|3x)'
                  r'_coco\.py')
ARCHS = {
    'inceptionnext': {'a': 'atto', 't': 'tiny', 's': 'small', 'b': 'base'},
    'convnest': {'a': 'atto', 'f': 'femto', 'p': 'pico', 'n': 'nano', 't': 'tiny'},
}
SCALES_3X = [(s, 1333) for s in range(480, 801, 32)]


@pytest.fixture(autouse=True, scope='module')
def _one_thread():
    """One CPU thread: on a small shared CPU, OpenMP threads spin-waiting for a busy core
    make every forward many times slower than a single thread."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _build_cpu_model(cfg):
    """The config's detector without pretrained loading, SyncBN reverted to BN as mmengine's
    runner does without distributed training."""
    model_cfg = cfg.model.copy()
    # fewer proposals and sampled RoIs than COCO's 1000 / 512 keep the CPU forwards short
    rcnn = model_cfg.train_cfg.rcnn
    for stage in rcnn if isinstance(rcnn, list) else [rcnn]:
        stage.sampler.num = 64
    model_cfg.train_cfg.rpn_proposal.update(nms_pre=200, max_per_img=50)
    model_cfg.test_cfg.rpn.update(nms_pre=200, max_per_img=50)
    return build_model(cfg, model_cfg)


def _batch(sizes=((128, 128), (96, 120))):
    """Raw images and samples with two ground-truth boxes and masks each, as the loader gives."""
    from mmdet.structures import DetDataSample
    from mmdet.structures.mask import BitmapMasks
    from mmengine.structures import InstanceData
    gen = torch.Generator().manual_seed(0)
    inputs, samples = [], []
    for h, w in sizes:
        inputs.append(torch.randint(0, 256, (3, h, w), dtype=torch.uint8, generator=gen))
        boxes = torch.tensor([[8.0, 10.0, 48.0, 52.0], [50.0, 40.0, 90.0, 88.0]])
        masks = np.zeros((2, h, w), dtype=np.uint8)
        for k, (x0, y0, x1, y1) in enumerate(boxes.int().tolist()):
            masks[k, y0:y1, x0:x1] = 1
        sample = DetDataSample(gt_instances=InstanceData(
            bboxes=boxes, labels=torch.tensor([1, 4]), masks=BitmapMasks(masks, h, w)))
        sample.set_metainfo(dict(img_shape=(h, w), ori_shape=(h, w), scale_factor=(1.0, 1.0)))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def test_config_list_is_complete():
    names = {osp.basename(p) for p in PAPER}
    for head in HEADS:
        for short in 'tsb':
            assert f'{head}_inceptionnext_{short}_fpn_3x_coco.py' in names
        for short in 'afpnt':
            assert f'{head}_convnest_{short}_fpn_3x_coco.py' in names
    assert 'mask_rcnn_inceptionnext_t_fpn_1x_coco.py' in names
    assert DEMO in CONFIGS and len(PAPER) == 17


@pytest.mark.parametrize('path', PAPER, ids=osp.basename)
def test_paper_config_matches_recipe(path):
    cfg = Config.fromfile(path)
    head, family, short, schedule = NAME.fullmatch(osp.basename(path)).groups()
    arch = ARCHS[family][short]
    backbone = cfg.model.backbone
    assert cfg.default_scope == 'mmdet'
    assert cfg.custom_imports.imports == ['mmseg_inceptionnext']
    assert backbone.type == {'inceptionnext': 'InceptionNeXt', 'convnest': 'ConvNeSt'}[family]
    assert backbone.arch == arch
    assert backbone.drop_path_rate == DROP_PATH_RATES[(family, head, arch)]
    assert backbone.init_cfg.type == 'Pretrained'
    assert backbone.init_cfg.checkpoint.endswith(f'{family}_{arch}.pth')
    # SyncBN + SyncBN per output for InceptionNeXt; ConvNeSt keeps its LayerNorms
    norm = 'SyncBN' if family == 'inceptionnext' else 'ChannelsFirstLN'
    assert backbone.norm_cfg.type == norm and backbone.out_norm_cfg.type == norm
    assert cfg.model.type == {'mask_rcnn': 'MaskRCNN', 'cascade_mask_rcnn': 'CascadeRCNN'}[head]
    # ConvNeXt's COCO recipe: AdamW, weight decay 0.05, batch 16, mixed precision
    lr = 1e-4 if head == 'mask_rcnn' else 2e-4
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    assert cfg.optim_wrapper.optimizer == dict(type='AdamW', lr=lr, betas=(0.9, 0.999),
                                               weight_decay=0.05)
    assert cfg.train_dataloader.batch_size * 8 == 16
    # and its layer-wise lr decay (0.95 / 0.7 over num_layers 6, 12 for S and B)
    decay_type, rate, num_layers = LR_DECAY[(family, head, arch)]
    assert cfg.optim_wrapper.constructor == 'StagedLRDecayOptimizerConstructor'
    assert cfg.optim_wrapper.paramwise_cfg == dict(decay_rate=rate, decay_type=decay_type,
                                                   num_layers=num_layers)
    epochs, steps = (36, [27, 33]) if schedule == '3x' else (12, [8, 11])
    assert cfg.train_cfg.max_epochs == epochs
    assert cfg.param_scheduler[1].milestones == steps and cfg.param_scheduler[1].end == epochs
    guard, = cfg.train_dataloader.dataset.pipeline  # bad samples skipped and counted
    assert guard.type == 'BadSampleGuard' and guard.get('on_bad', 'skip') == 'skip'
    pipeline = guard.transforms
    if schedule == '3x':
        branches = pipeline[3].transforms
        assert pipeline[3].type == 'RandomChoice' and len(branches) == 2
        assert [tuple(s) for s in branches[0][0].scales] == SCALES_3X
        assert branches[1][1].type == 'RandomCrop' and tuple(branches[1][1].crop_size) == (
            384, 600)
    else:
        # mmdet's own pipeline (read from its base: a `_scope_` marker says so)
        resize = {k: v for k, v in pipeline[2].items() if k != '_scope_'}
        assert resize == dict(type='Resize', scale=(1333, 800), keep_ratio=True)
    if head == 'cascade_mask_rcnn':
        bbox_heads = cfg.model.roi_head.bbox_head
        assert len(bbox_heads) == 3
        for bbox_head in bbox_heads:
            assert bbox_head.type == 'ConvFCBBoxHead' and bbox_head.num_shared_convs == 4
            assert bbox_head.num_shared_fcs == 1 and bbox_head.loss_bbox.type == 'GIoULoss'
            assert bbox_head.reg_decoded_bbox is True


def test_baseline_list_is_complete():
    assert [osp.basename(p) for p in BASELINES] == ['mask_rcnn_convnext_t_fpn_1x_coco.py',
                                                     'mask_rcnn_convnext_t_fpn_3x_coco.py']


def test_lr_decay_table_matches_the_configs():
    """Every detection config trains with lr decay, each as its table entry says (the paper
    configs are checked in test_paper_config_matches_recipe)."""
    for path in BASELINES:
        paramwise = Config.fromfile(path).optim_wrapper.paramwise_cfg
        assert LR_DECAY[('convnext', 'mask_rcnn', 'tiny')] == (
            paramwise.decay_type, paramwise.decay_rate, paramwise.num_layers)
    detection = {k for k in LR_DECAY if k[1] != 'upernet'}
    configured = set()
    for path in PAPER:
        head, family, short, _ = NAME.fullmatch(osp.basename(path)).groups()
        configured.add((family, head, ARCHS[family][short]))
    assert detection == configured | {('convnext', 'mask_rcnn', 'tiny')}


@pytest.mark.parametrize('path', BASELINES, ids=osp.basename)
def test_baseline_differs_from_its_config_only_in_the_backbone(path, monkeypatch):
    monkeypatch.setenv('CONVNEXT_CKPT_DIR', '/convnext')
    assert_baseline_differs_only_in_backbone(path, 'mask_rcnn')


def test_demo_config_changes_only_data_size_and_schedule():
    cfg = Config.fromfile(DEMO)
    assert cfg.model.backbone.type == 'InceptionNeXt' and cfg.model.backbone.arch == 'atto'
    assert cfg.model.backbone.drop_path_rate == 0.0 and cfg.model.backbone.init_cfg is None
    assert cfg.model.roi_head.bbox_head.num_classes == 6
    assert cfg.model.roi_head.mask_head.num_classes == 6
    assert len(cfg.train_dataloader.dataset.metainfo.classes) == 6
    assert cfg.optim_wrapper.type == 'OptimWrapper'  # no AMP on the CPU
    assert cfg.optim_wrapper.optimizer.type == 'AdamW'
    assert cfg.val_evaluator.metric == ['bbox', 'segm']
    paper = osp.join(ROOT, 'configs', 'mask_rcnn_inceptionnext_t_fpn_3x_coco.py')
    differ = differences(settings(DEMO), settings(paper))
    size = ['model.backbone.arch', 'model.backbone.drop_path_rate', 'model.backbone.init_cfg',
            'model.neck', 'model.rpn_head.in_channels', 'model.rpn_head.feat_channels',
            'model.rpn_head.anchor_generator.scales', 'model.roi_head.bbox_roi_extractor',
            'model.roi_head.bbox_head', 'model.roi_head.mask_roi_extractor',
            'model.roi_head.mask_head', 'model.train_cfg.rpn.sampler.num',
            'model.train_cfg.rpn_proposal', 'model.train_cfg.rcnn.sampler.num',
            'model.test_cfg.rpn', 'model.test_cfg.rcnn.max_per_img']
    data = ['train_dataloader', 'val_dataloader', 'test_dataloader', 'val_evaluator',
            'test_evaluator']
    # fp32 (no AMP on a CPU), a from-scratch lr with clipping, iterations instead of epochs
    schedule = ['optim_wrapper.type', 'optim_wrapper.optimizer.lr', 'optim_wrapper.clip_grad',
                'param_scheduler', 'train_cfg', 'default_hooks.logger.interval',
                'default_hooks.checkpoint.by_epoch', 'default_hooks.checkpoint.interval',
                'default_hooks.checkpoint.max_keep_ckpts', 'default_hooks.visualization.draw',
                'log_processor.by_epoch', 'env_cfg.cudnn_benchmark', 'env_cfg.dist_cfg.backend',
                'randomness']
    assert differ and not not_covered(differ, size + data + schedule)


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, ROOT))
def test_config_builds_and_runs(path):
    from mmengine.optim import build_optim_wrapper
    cfg = Config.fromfile(path)
    model = _build_cpu_model(cfg)
    assert list(model.neck.in_channels) == list(model.backbone.dims)
    # one decay rule for every 1-D parameter (norms, biases, layer scales): none
    optim_cfg = dict(cfg.optim_wrapper, type='OptimWrapper')
    optim_cfg.pop('loss_scale', None)
    optimizer = build_optim_wrapper(model, optim_cfg).optimizer
    for group in optimizer.param_groups:
        expected = 0.0 if group['params'][0].ndim == 1 else cfg.optim_wrapper.optimizer.weight_decay
        assert group['weight_decay'] == expected

    torch.manual_seed(0)
    model.train()
    data = model.data_preprocessor(_batch(), training=True)
    losses = model(**data, mode='loss')
    for key in ('loss_rpn_cls', 'loss_rpn_bbox', 'loss_mask'):
        assert any(k.endswith(key) for k in losses), key
    terms = [t for k, v in losses.items() if 'loss' in k
             for t in (v if isinstance(v, list) else [v])]
    assert torch.isfinite(sum(terms))
    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(_batch(), training=False)
        preds = model(**data, mode='predict')
    assert len(preds) == 2
    pred = preds[1].pred_instances
    assert pred.bboxes.shape[1] == 4 and len(pred.labels) == len(pred.scores)
    assert tuple(pred.masks.shape[1:]) == (96, 120)  # at the original image size


def test_checkpoint_dir_env_variables(monkeypatch):
    monkeypatch.setenv('INCEPTIONNEXT_CKPT_DIR', '/weights')
    monkeypatch.setenv('CONVNEST_CKPT_DIR', '/mine')
    cfg = Config.fromfile(
        osp.join(ROOT, 'configs/cascade_mask_rcnn_inceptionnext_b_fpn_3x_coco.py'))
    assert cfg.model.backbone.init_cfg.checkpoint == '/weights/inceptionnext_base.pth'
    cfg = Config.fromfile(osp.join(ROOT, 'configs/mask_rcnn_convnest_p_fpn_3x_coco.py'))
    assert cfg.model.backbone.init_cfg.checkpoint == '/mine/convnest_pico.pth'


def test_train_and_coco_evaluation_through_the_tools(tmp_path):
    make_coco_like(tmp_path / 'data', num_train=8, num_val=4, size=(96, 96))
    root = str(tmp_path / 'data') + '/'
    ann = root + 'annotations/instances_val2017.json'
    data = [f'{split}_dataloader.dataset.data_root={root}' for split in ('train', 'val', 'test')]
    data += [f'val_evaluator.ann_file={ann}', f'test_evaluator.ann_file={ann}']
    loaders = [f'{split}_dataloader.{key}' for split in ('train', 'val', 'test')
               for key in ('batch_size=2', 'num_workers=0', 'persistent_workers=False')]
    work = tmp_path / 'work'
    # train, then test the checkpoint, one after the other in this process
    log = check_here(osp.join(TOOLS, 'train.py'), DEMO, '--work-dir', work, '--cfg-options',
                     *data, *loaders, 'train_cfg.max_iters=4', 'train_cfg.val_interval=4',
                     'default_hooks.checkpoint.interval=4', 'default_hooks.logger.interval=1',
                     'param_scheduler.0.end=2', 'param_scheduler.1.end=4',
                     'param_scheduler.1.milestones=[3]',
                     # vis_data/ in this run's folder (mmengine's visualizer is one per name in
                     # a process, and the toolboxes' runtime names it 'visualizer')
                     'visualizer.name=det_train', cwd=tmp_path)
    out = check_here(osp.join(TOOLS, 'test.py'), DEMO, work / 'iter_4.pth', '--work-dir',
                     tmp_path / 'test', '--cfg-options', *data, *loaders, cwd=tmp_path)
    assert 'Iter(train) [4/4]' in log
    assert 'coco/bbox_mAP:' in log and 'coco/segm_mAP:' in log
    scalars = [json.loads(line) for path in glob.glob(str(work / '*' / 'vis_data' / 'scalars.json'))
               for line in open(path)]
    assert any('coco/bbox_mAP' in s and 'coco/segm_mAP' in s for s in scalars)
    ckpt = load_without_allow_list(work / 'iter_4.pth')  # no pickled code needed
    assert 'backbone.stem.0.weight' in ckpt['state_dict']
    assert 'roi_head.mask_head.conv_logits.weight' in ckpt['state_dict']

    assert "'coco/bbox_mAP':" in out and "'coco/segm_mAP':" in out
