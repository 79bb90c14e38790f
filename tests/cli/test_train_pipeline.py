"""A short train + validation + resume + test + inference run through the tools, on
generated data, with the demo config (a few iterations)."""
import glob
import json
import os.path as osp

import pytest

from mmseg_inceptionnext.synthetic import make_ade20k_like
from tests.conftest import DEMO_SEG as CONFIG
from tests.conftest import TOOLS, check_here, load_without_allow_list, run_here


def _options(data_root, iters):
    return ['--cfg-options', f'train_dataloader.dataset.data_root={data_root}',
            f'val_dataloader.dataset.data_root={data_root}',
            f'test_dataloader.dataset.data_root={data_root}', f'train_cfg.max_iters={iters}',
            'train_cfg.val_interval=4', 'default_hooks.checkpoint.interval=2',
            'train_dataloader.batch_size=2', 'val_dataloader.batch_size=2',
            'train_dataloader.num_workers=0', 'val_dataloader.num_workers=0',
            'train_dataloader.persistent_workers=False', 'val_dataloader.persistent_workers=False',
            'default_hooks.logger.interval=1', 'param_scheduler.0.end=2',
            'param_scheduler.1.begin=2', 'param_scheduler.1.end=6']


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('train')
    make_ade20k_like(tmp / 'data', num_train=8, num_val=4, size=(64, 64))
    data_root = str(tmp / 'data' / 'ADEChallengeData2016')
    work = tmp / 'work'
    config = tmp / 'with_memory_hook.py'  # custom_hooks without SafeCheckpointHook
    config.write_text(f"_base_ = {CONFIG!r}\n"
                      f"custom_hooks = [dict(type='MemoryMonitorHook', interval=1)]\n"
                      # a visualizer of its own, which writes vis_data/ in this run's folder:
                      # mmengine keeps one visualizer per name in a process (the toolboxes'
                      # runtime names theirs 'visualizer'), and other runs share this one
                      "visualizer = dict(name='train_pipeline')\n")
    log = check_here(osp.join(TOOLS, 'train.py'), config, '--work-dir', work,
                     *_options(data_root, 4), cwd=tmp)
    return tmp, work, data_root, log


def test_train_validates_and_writes_safe_checkpoints(trained):
    tmp, work, _, log = trained
    assert 'mIoU:' in log and 'Iter(val)' in log
    scalars = [json.loads(line) for path in glob.glob(str(work / '*' / 'vis_data' / 'scalars.json'))
               for line in open(path)]
    miou = [s['mIoU'] for s in scalars if 'mIoU' in s]
    assert len(miou) == 1 and 0.0 <= miou[0] <= 100.0
    ckpt = load_without_allow_list(work / 'iter_4.pth')  # no pickled code needed
    assert ckpt['meta']['iter'] == 4 and 'backbone.stem.0.weight' in ckpt['state_dict']
    # the runner added SafeCheckpointHook to a config that replaced custom_hooks
    assert 'rng_state' in ckpt
    memory = json.load(open(work / 'memory.json'))['samples']
    assert [it for it, _ in memory] == [1, 2, 3, 4] and all(rss > 50 for _, rss in memory)


def test_resume_continues_from_saved_iteration(trained):
    tmp, work, data_root, _ = trained
    log = check_here(osp.join(TOOLS, 'train.py'), CONFIG, '--work-dir', work, '--resume',
                     *_options(data_root, 6), cwd=tmp)
    assert 'resumed epoch: 0, iter: 4' in log
    assert 'Iter(train) [5/6]' in log and 'Iter(train) [1/6]' not in log
    assert osp.isfile(work / 'iter_6.pth')


def test_test_tool_and_inference_tool(trained):
    tmp, work, data_root, _ = trained
    opts = ['--cfg-options', f'test_dataloader.dataset.data_root={data_root}',
            'test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False']
    images = osp.join(data_root, 'images', 'validation')
    test_py, infer_py = osp.join(TOOLS, 'test.py'), osp.join(TOOLS, 'infer.py')
    ckpt = work / 'iter_4.pth'
    out = check_here(test_py, CONFIG, ckpt, '--work-dir', tmp / 'test', *opts, cwd=tmp)
    assert "'mIoU':" in out
    out = check_here(test_py, CONFIG, ckpt, '--tta', '--work-dir', tmp / 'tta', *opts, cwd=tmp)
    assert "'mIoU':" in out
    out = check_here(infer_py, CONFIG, ckpt, images, '--out-dir', tmp / 'overlays', cwd=tmp)
    written = sorted(glob.glob(str(tmp / 'overlays' / '*.png')))
    assert len(written) == 4 and all(path in out for path in written)
    from PIL import Image
    with Image.open(written[0]) as img:
        assert img.size == (64, 64) and img.mode == 'RGB'


def test_missing_dataset_directory_is_named(tmp_path):
    code, err = run_here(osp.join(TOOLS, 'train.py'), CONFIG, '--work-dir', tmp_path / 'w',
                         '--cfg-options', 'train_dataloader.dataset.data_root=no/such/dir',
                         cwd=tmp_path)
    assert code != 0
    assert ("train_dataloader.dataset.data_root 'no/such/dir' does not exist" in err
            and 'README\'s "Data" section' in err)
    assert not (tmp_path / 'w').exists()  # failed before the run started


def test_paramwise_key_that_matches_nothing_is_an_error(tmp_path):
    make_ade20k_like(tmp_path / 'data', num_train=2, num_val=1, size=(64, 64))
    root = str(tmp_path / 'data' / 'ADEChallengeData2016')
    code, err = run_here(osp.join(TOOLS, 'train.py'), CONFIG, '--work-dir', tmp_path / 'w',
                         '--cfg-options', f'train_dataloader.dataset.data_root={root}',
                         f'val_dataloader.dataset.data_root={root}',
                         'optim_wrapper.paramwise_cfg.custom_keys.relative_position.decay_mult=0',
                         cwd=tmp_path)
    assert code != 0
    assert "custom_keys ['relative_position'] match no parameter" in err
