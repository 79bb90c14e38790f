"""Every segmentation config under configs/ parses, agrees with the drop-path and lr-decay
tables, builds, and runs; no config stands more than two local levels above OpenMMLab's bases;
the ConvNeXt baselines differ from their InceptionNeXt configs in the backbone only, the demo
in data, size and schedule only (detection configs: tests/configs/test_det_configs.py)."""
import glob
import os.path as osp
import re
import textwrap

import pytest
import torch
from mmengine.config import Config

import mmseg_inceptionnext  # noqa: F401
from mmseg_inceptionnext.recipes import DROP_PATH_RATES, LR_DECAY
from mmseg_inceptionnext.runs.runner import build_model
from tests.config_diff import differences, not_covered, settings
from tests.conftest import DEMO_SEG, ROOT, assert_baseline_differs_only_in_backbone

CONFIGS = sorted(p for p in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'), recursive=True)
                 if '_base_' not in p and osp.basename(p).startswith(('upernet_', 'fpn_')))
PAPER = sorted(p for p in CONFIGS if osp.dirname(p) == osp.join(ROOT, 'configs'))
BASELINES = sorted(p for p in CONFIGS if osp.dirname(p) == osp.join(ROOT, 'configs', 'baselines'))
ARCHS = {'a': 'atto', 'f': 'femto', 'p': 'pico', 'n': 'nano', 't': 'tiny', 's': 'small',
         'b': 'base'}
SIZES = {'inceptionnext': 'atsb', 'convnest': 'afpntsb'}


def test_config_list_is_complete():
    names = {osp.basename(p) for p in PAPER}
    for head in ('upernet', 'fpn'):
        for short in SIZES['inceptionnext']:
            assert f'{head}_inceptionnext_{short}_ade20k.py' in names
    for short in SIZES['convnest']:
        assert f'upernet_convnest_{short}_ade20k.py' in names


@pytest.mark.parametrize('path', PAPER, ids=osp.basename)
def test_paper_config_matches_recipe_table(path):
    cfg = Config.fromfile(path)
    name = osp.basename(path)
    head, family, short = re.match(r'(upernet|fpn|mask_rcnn|cascade_mask_rcnn)_(\w+?)_(\w)_',
                                   name).groups()
    backbone = cfg.model.backbone
    assert backbone.arch == ARCHS[short]
    assert backbone.drop_path_rate == DROP_PATH_RATES[(family, head, ARCHS[short])]
    assert backbone.init_cfg.type == 'Pretrained'
    assert backbone.init_cfg.checkpoint.endswith(f'{family}_{ARCHS[short]}.pth')
    assert cfg.custom_imports.imports == ['mmseg_inceptionnext']
    if family == 'convnest':  # ConvNeXt's UperNet recipe, as the ConvNeSt paper
        assert backbone.norm_cfg.type == backbone.out_norm_cfg.type == 'ChannelsFirstLN'
        assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
        assert cfg.optim_wrapper.optimizer == dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999),
                                                   weight_decay=0.05)
        assert cfg.optim_wrapper.constructor == 'StagedLRDecayOptimizerConstructor'
        decay_type, rate, num_layers = LR_DECAY[(family, head, ARCHS[short])]
        assert cfg.optim_wrapper.paramwise_cfg == dict(decay_rate=rate, decay_type=decay_type,
                                                       num_layers=num_layers)
        assert cfg.param_scheduler[1].end == 160000
        assert cfg.model.test_cfg == dict(mode='slide', crop_size=(512, 512), stride=(341, 341))
    elif head == 'upernet':
        assert (family, head, ARCHS[short]) not in LR_DECAY
        assert 'constructor' not in cfg.optim_wrapper
        assert backbone.norm_cfg.type == 'SyncBN' and backbone.out_norm_cfg.type == 'SyncBN'
        assert cfg.optim_wrapper.optimizer == dict(type='AdamW', lr=6e-5, betas=(0.9, 0.999),
                                                   weight_decay=0.01)
        assert cfg.train_dataloader.batch_size * 8 == 16
        assert cfg.param_scheduler[0].end == 1500 and cfg.param_scheduler[1].end == 160000
        assert cfg.model.decode_head.channels == 512
        assert cfg.model.decode_head.pool_scales == (1, 2, 3, 6)
        assert cfg.model.auxiliary_head.loss_decode.loss_weight == 0.4
    else:
        assert backbone.norm_cfg.type == 'SyncBN' and backbone.out_norm_cfg.type == 'SyncBN'
        assert cfg.optim_wrapper.optimizer == dict(type='AdamW', lr=2e-4, weight_decay=1e-4)
        assert cfg.train_dataloader.batch_size * 8 == 32
        assert cfg.param_scheduler[0].power == 0.9 and cfg.param_scheduler[0].end == 40000
    # multi-scale + flip test keeps ADE20K's label convention
    tta = cfg.tta_pipeline[1].transforms
    assert len(tta[0]) == 6 and tta[2][0].reduce_zero_label is True


def test_baseline_list_is_complete():
    assert [osp.basename(p) for p in BASELINES] == ['fpn_convnext_t_ade20k.py',
                                                     'upernet_convnext_t_ade20k.py']


@pytest.mark.parametrize('path', BASELINES, ids=osp.basename)
def test_baseline_differs_from_its_config_only_in_the_backbone(path, monkeypatch):
    monkeypatch.setenv('CONVNEXT_CKPT_DIR', '/convnext')
    assert_baseline_differs_only_in_backbone(path, osp.basename(path).split('_')[0])


ALL_CONFIGS = sorted(glob.glob(osp.join(ROOT, 'configs', '**', '*.py'), recursive=True))


def local_depth(path):
    """How many local config files stand in the longest inheritance chain from ``path`` (itself
    included) down to OpenMMLab's own bases (``mmseg::`` / ``mmdet::``, which do not count)."""
    bases = Config._get_base_files(path)
    local = [osp.normpath(osp.join(osp.dirname(path), b)) for b in bases if '::' not in b]
    return 1 + max((local_depth(b) for b in local), default=0)


@pytest.mark.parametrize('path', ALL_CONFIGS, ids=lambda p: osp.relpath(p, ROOT))
def test_no_config_stands_more_than_two_local_levels_deep(path):
    limit = 1 if '_base_' in path else 2
    assert local_depth(path) <= limit


def test_local_depth_counts_chains():
    leaf = osp.join(ROOT, 'configs', 'upernet_inceptionnext_t_ade20k.py')
    assert local_depth(leaf) == 2  # the leaf and its local bases
    assert local_depth(osp.join(ROOT, 'configs', '_base_', 'models', 'upernet.py')) == 1


def test_lr_decay_table_matches_the_configs():
    """Every table entry has its config (checked there), and every config with lr decay has
    an entry (segmentation here, detection in test_det_configs.py)."""
    names = {osp.basename(p) for p in ALL_CONFIGS}
    short = {v: k for k, v in ARCHS.items()}
    for family, head, arch in LR_DECAY:
        suffix = '_ade20k.py' if head == 'upernet' else '_fpn_3x_coco.py'
        assert f'{head}_{family}_{short[arch]}{suffix}' in names, (family, head, arch)
    for path in PAPER + BASELINES:
        cfg = Config.fromfile(path)
        head, family, s = re.match(r'(upernet|fpn)_(\w+?)_(\w)_', osp.basename(path)).groups()
        assert ('constructor' in cfg.optim_wrapper) == ((family, head, ARCHS[s]) in LR_DECAY)


def test_demo_config_differs_from_the_paper_config_only_in_data_size_and_schedule():
    demo = DEMO_SEG
    paper = osp.join(ROOT, 'configs', 'upernet_inceptionnext_t_ade20k.py')
    differ = differences(settings(demo), settings(paper))
    size = ['model.data_preprocessor.size', 'model.backbone.arch', 'model.backbone.drop_path_rate',
            'model.backbone.init_cfg', 'model.decode_head.in_channels',
            'model.decode_head.channels', 'model.decode_head.num_classes',
            'model.auxiliary_head.in_channels', 'model.auxiliary_head.channels',
            'model.auxiliary_head.num_classes']
    data = ['train_dataloader', 'val_dataloader', 'test_dataloader']
    schedule = ['optim_wrapper.optimizer.lr', 'param_scheduler', 'train_cfg.max_iters',
                'train_cfg.val_interval', 'default_hooks.logger.interval',
                'default_hooks.checkpoint.interval', 'default_hooks.checkpoint.max_keep_ckpts',
                'default_hooks.visualization.draw', 'env_cfg.cudnn_benchmark',
                'env_cfg.dist_cfg.backend', 'randomness']
    assert differ and not not_covered(differ, size + data + schedule)


@pytest.fixture(scope='module')
def built(request):
    """``(path, config, model)``, built once for the tests of one config: a module-scoped
    parameter, so pytest runs a config's tests one after the other and frees the model after
    them."""
    cfg = Config.fromfile(request.param)
    yield request.param, cfg, build_model(cfg)


@pytest.mark.parametrize('built', CONFIGS, ids=lambda p: osp.relpath(p, ROOT), indirect=True)
def test_config_builds_and_runs(built):
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    _, _, model = built
    dims = model.backbone.dims
    first = model.neck if hasattr(model, 'neck') else model.decode_head
    assert list(first.in_channels) == list(dims)
    size = (32, 32)  # the last stage at 1x1: every head's smallest input (PPM, FPN, FCN)
    inputs = torch.randn(2, 3, *size)
    samples = []
    for _ in range(2):
        sample = SegDataSample(gt_sem_seg=PixelData(data=torch.randint(0, 7, (1, *size))))
        sample.set_metainfo(dict(img_shape=size, pad_shape=size, ori_shape=size))
        samples.append(sample)
    model.train()
    losses = model(inputs, samples, mode='loss')
    loss = sum(v for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(loss)
    loss.backward()
    model.eval()
    with torch.no_grad():
        preds = model(inputs, samples, mode='predict')
    assert preds[0].pred_sem_seg.data.shape == (1, *size)


@pytest.mark.parametrize('built', PAPER + BASELINES, ids=lambda p: osp.relpath(p, ROOT),
                         indirect=True)
def test_optimizer_builds_and_paramwise_keys_match(built):
    from mmengine.optim import build_optim_wrapper

    from mmseg_inceptionnext.plugin.optim import check_custom_keys
    path, cfg, model = built
    keys = cfg.optim_wrapper.get('paramwise_cfg', {}).get('custom_keys', {})
    names = [n for n, _ in model.named_parameters()]
    check_custom_keys(keys, names, path)
    # the optimizer (and its constructor) builds on the real model; AMP needs a GPU
    wrapper_cfg = dict(cfg.optim_wrapper, type='OptimWrapper')
    wrapper_cfg.pop('loss_scale', None)
    optimizer = build_optim_wrapper(model, wrapper_cfg).optimizer
    assert sum(len(g['params']) for g in optimizer.param_groups) == len(names)


def test_checkpoint_dir_env_variable(monkeypatch):
    monkeypatch.setenv('INCEPTIONNEXT_CKPT_DIR', '/weights')
    monkeypatch.setenv('CONVNEST_CKPT_DIR', '/mine')
    for family, root in (('inceptionnext', '/weights'), ('convnest', '/mine')):
        for short in SIZES[family]:
            cfg = Config.fromfile(osp.join(ROOT, f'configs/upernet_{family}_{short}_ade20k.py'))
            assert cfg.model.backbone.init_cfg.checkpoint == f'{root}/{family}_{ARCHS[short]}.pth'


def test_user_config_elsewhere_inherits_ours(tmp_path, monkeypatch):
    """A config outside the repository inherits ours by name, from any working directory."""
    (tmp_path / 'my_upernet.py').write_text(textwrap.dedent('''
        _base_ = 'mmseg_inceptionnext::upernet_inceptionnext_s_ade20k.py'
        model = dict(decode_head=dict(num_classes=21), auxiliary_head=dict(num_classes=21))
    '''))
    monkeypatch.chdir(tmp_path)
    cfg = Config.fromfile('my_upernet.py')
    assert (cfg.model.backbone.arch, cfg.model.decode_head.num_classes,
            cfg.model.decode_head.in_channels, cfg.optim_wrapper.optimizer.type,
            cfg.train_dataloader.dataset.type) == ('small', 21, [96, 192, 384, 768], 'AdamW',
                                                   'ADE20KDataset')
    (tmp_path / 'bad.py').write_text("_base_ = 'mmseg_inceptionnext::nope.py'\n")
    with pytest.raises(FileNotFoundError, match="'mmseg_inceptionnext::nope.py' is not a config "
                       'of mmseg_inceptionnext'):
        Config.fromfile('bad.py')


def test_readme_config_from_our_bases_reads_elsewhere(tmp_path, monkeypatch):
    """docs/plugin.md's config made of our bases (``_base_.backbone``, ``_base_.ckpt_dir``) reads
    outside the repository: InceptionNeXt-S with ConvNeXt's UperNet recipe."""
    readme = open(osp.join(ROOT, 'docs', 'plugin.md')).read()
    block = readme.split('Or put a new combination together from the bases')[1]
    block = block.split('```python\n')[1].split('```')[0]
    (tmp_path / 'mine.py').write_text(block)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv('INCEPTIONNEXT_CKPT_DIR', '/weights')
    cfg = Config.fromfile('mine.py')
    b = cfg.model.backbone
    assert [b.type, b.arch, b.norm_cfg.type, list(b.out_indices), b.init_cfg.checkpoint,
            cfg.optim_wrapper.constructor, cfg.optim_wrapper.paramwise_cfg,
            list(cfg.model.decode_head.in_channels), cfg.train_dataloader.batch_size] == [
        'InceptionNeXt', 'small', 'SyncBN', [0, 1, 2, 3], '/weights/inceptionnext_small.pth',
        'StagedLRDecayOptimizerConstructor',
        dict(decay_rate=0.9, decay_type='stage_wise', num_layers=12), [96, 192, 384, 768], 2]
