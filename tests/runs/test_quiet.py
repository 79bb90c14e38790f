"""``--quiet``: the terminal gets the stage, progress (iteration, loss, time left) and the
metrics; the whole output, mmengine's config dump included, goes to ``work_dir/console.log``."""
import os.path as osp

from mmseg_inceptionnext.cli import main
from mmseg_inceptionnext.synthetic import make_ade20k_like
from tests.conftest import TINY_SEG


def test_quiet_train_and_test(tmp_path, monkeypatch, capsys):
    make_ade20k_like(tmp_path / 'data', num_train=4, num_val=2, size=32)
    (tmp_path / 'tiny.py').write_text(TINY_SEG)
    monkeypatch.chdir(tmp_path)
    root = 'data/ADEChallengeData2016'
    options = ['--cfg-options', 'train_cfg.max_iters=4', 'train_cfg.val_interval=4',
               'train_dataloader.batch_size=2', 'default_hooks.checkpoint.interval=4',
               *[f'{loader}.dataset.data_root={root}'
                 for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')]]
    capsys.readouterr()
    assert main(['train', 'tiny.py', '--work-dir', 'w', '--quiet', *options]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"[train] 4 iterations; full log: {tmp_path / 'w' / 'console.log'}"
    assert [line.split('  ')[0] for line in lines[1:5]] == [
        f'[train] iter {i}/4' for i in range(1, 5)]
    assert all(' loss ' in line and ' time left ' in line for line in lines[1:5])
    assert lines[5].startswith('[val] iter 4: aAcc ') and 'mIoU' in lines[5]
    assert len(lines) == 6
    log = open(osp.join('w', 'console.log')).read()
    assert 'Config:' in log and 'Iter(train) [2/4]' in log  # mmengine's log, whole

    assert main(['test', 'tiny.py', 'w/iter_4.pth', '--work-dir', 't', '--quiet',
                 *options]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1 and out[0].startswith('[test] aAcc ') and 'mIoU' in out[0]
    assert 'Config:' in open(osp.join('t', 'console.log')).read()
