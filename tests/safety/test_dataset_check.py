"""A split that cannot work gets one sentence, with the data root and the counts, before a
model is built: in our CLI and in the stock tools, through the DatasetCheckingRunner of our
configs."""
import json
import os
import shutil
import subprocess
import sys

import pytest
from mmengine.config import Config

from mmseg_inceptionnext.safety.dataset_check import DatasetLayoutError, check_datasets
from mmseg_inceptionnext.synthetic import make_ade20k_like, make_coco_like
from tests.conftest import DEMO_DET, DEMO_SEG

ADE = 'data/synthetic_ade/ADEChallengeData2016'
TRAIN_IMAGES, TRAIN_LABELS = f'{ADE}/images/training', f'{ADE}/annotations/training'


@pytest.fixture(scope='module')
def ade_template(tmp_path_factory):
    root = tmp_path_factory.mktemp('ade') / 'data' / 'synthetic_ade'
    make_ade20k_like(root, num_train=6, num_val=2, size=32)
    return root


@pytest.fixture
def ade(tmp_path, ade_template, monkeypatch):
    """A fresh copy of the tiny ADE20K-layout data, as the demo config's relative data root
    sees it from ``tmp_path``."""
    shutil.copytree(ade_template, tmp_path / 'data' / 'synthetic_ade')
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _check(config, max_skipped=0):
    check_datasets(Config.fromfile(config), ['train_dataloader', 'val_dataloader'], max_skipped)


def test_good_ade_data_passes(ade):
    _check(DEMO_SEG)


def test_empty_split(ade):
    for name in os.listdir(TRAIN_IMAGES):
        os.remove(os.path.join(TRAIN_IMAGES, name))
    with pytest.raises(DatasetLayoutError, match=r"^train_dataloader: the split is empty: "
                       rf"'{TRAIN_IMAGES}' \(data root '{ADE}'\) holds no \.jpg images; "
                       r'found no files;'):
        _check(DEMO_SEG)


def test_wrong_suffix_names_what_was_found(ade):
    for name in os.listdir(TRAIN_IMAGES):
        os.rename(os.path.join(TRAIN_IMAGES, name),
                  os.path.join(TRAIN_IMAGES, name.replace('.jpg', '.jpeg')))
    with pytest.raises(DatasetLayoutError, match=r'holds no \.jpg images; found 6 \.jpeg; set '
                       r'img_suffix'):
        _check(DEMO_SEG)


def test_missing_annotations_folder(ade):
    shutil.rmtree(TRAIN_LABELS)
    with pytest.raises(DatasetLayoutError, match=rf"^train_dataloader: the annotations folder "
                       rf"'{TRAIN_LABELS}' does not exist under data root '{ADE}' .*; found 6 "
                       rf"\.jpg files in '{TRAIN_IMAGES}'\);"):
        _check(DEMO_SEG)


def test_unpaired_images_beyond_the_limit(ade):
    labels = sorted(os.listdir(TRAIN_LABELS))
    for name in labels[:2]:
        os.remove(os.path.join(TRAIN_LABELS, name))
    _check(DEMO_SEG, max_skipped=2)  # within the limit: the guard skips them in training
    with pytest.raises(DatasetLayoutError, match=r'6 \.jpg images in .* and 4 \.png label '
                       r'maps in .*: 2 images have no label map .* more than the 1 bad '
                       r'samples allowed'):
        _check(DEMO_SEG, max_skipped=1)


def test_coco_layout(tmp_path, monkeypatch):
    root = tmp_path / 'data' / 'synthetic_coco'
    make_coco_like(root, num_train=4, num_val=2, size=32)
    monkeypatch.chdir(tmp_path)
    _check(DEMO_DET)
    for name in sorted(os.listdir(root / 'train2017'))[:2]:
        os.remove(root / 'train2017' / name)
    with pytest.raises(DatasetLayoutError, match=r'2 of the 4 images .* lists are not in '):
        _check(DEMO_DET, max_skipped=1)
    ann = root / 'annotations' / 'instances_train2017.json'
    data = json.loads(ann.read_text())
    ann.write_text(json.dumps(dict(data, images=[], annotations=[])))
    with pytest.raises(DatasetLayoutError, match=r'the split is empty: .* lists no images'):
        _check(DEMO_DET)
    ann.unlink()
    with pytest.raises(DatasetLayoutError, match=r'the annotation file .* does not exist under '
                       r"data root 'data/synthetic_coco/'"):
        _check(DEMO_DET)


@pytest.fixture
def no_model(monkeypatch):
    """Building a model (in any runner) fails the test."""
    from mmengine.runner import Runner

    def build_model(*args):
        raise AssertionError('a model was built')
    monkeypatch.setattr(Runner, 'build_model', build_model)


def test_our_train_refuses_before_building_a_model(ade, no_model, capsys):
    from mmseg_inceptionnext.cli import main
    shutil.rmtree(TRAIN_LABELS)
    assert main(['train', DEMO_SEG, '--work-dir', 'w']) == 1
    err = capsys.readouterr().err
    assert err.startswith('mmseg-inceptionnext train: DatasetLayoutError: train_dataloader: the '
                          f"annotations folder '{TRAIN_LABELS}' does not exist"), err
    assert 'Traceback' not in err


def test_the_runner_checks_the_splits_the_run_reads(ade, monkeypatch):
    """Testing (``load_from`` without ``resume``, as tools/test.py sets it) checks the test
    split, not the training split a user who only evaluates may not have; training checks
    the training split."""
    from mmengine.runner import Runner

    from mmseg_inceptionnext.safety import DatasetCheckingRunner
    monkeypatch.setattr(Runner, 'from_cfg', classmethod(lambda cls, cfg: cls.__new__(cls)))
    for name in os.listdir(TRAIN_IMAGES):
        os.remove(os.path.join(TRAIN_IMAGES, name))
    cfg = Config.fromfile(DEMO_SEG)
    assert cfg.runner_type == 'DatasetCheckingRunner'
    with pytest.raises(DatasetLayoutError, match='^train_dataloader: the split is empty'):
        DatasetCheckingRunner.from_cfg(cfg)
    cfg.load_from = 'iter_400.pth'
    runner = DatasetCheckingRunner.from_cfg(cfg)
    assert runner.checked_loaders == {'test_dataloader'}
    cfg.resume = True  # resuming is training
    with pytest.raises(DatasetLayoutError, match='^train_dataloader: the split is empty'):
        DatasetCheckingRunner.from_cfg(cfg)


@pytest.mark.stacks
@pytest.mark.parametrize('problem', ['empty split', 'no annotations folder'])
def test_stock_train_says_it_before_building_a_model(ade, problem):
    """MMSegmentation's own tools/train.py with a user's config on ours: one sentence, and no
    runner (it would create the work dir before building its model)."""
    import mmseg
    if problem == 'empty split':
        for name in os.listdir(TRAIN_IMAGES):
            os.remove(os.path.join(TRAIN_IMAGES, name))
        expected = (f"train_dataloader: the split is empty: '{TRAIN_IMAGES}' (data root "
                    f"'{ADE}') holds no .jpg images; found no files;")
    else:
        shutil.rmtree(TRAIN_LABELS)
        expected = f"train_dataloader: the annotations folder '{TRAIN_LABELS}' does not exist"
    (ade / 'my.py').write_text(f"_base_ = {DEMO_SEG!r}\ncustom_imports = dict(imports="
                               "['mmseg_inceptionnext'], allow_failed_imports=False)\n")
    train = os.path.join(os.path.dirname(mmseg.__file__), '.mim', 'tools', 'train.py')
    proc = subprocess.run([sys.executable, train, 'my.py', '--work-dir', 'w'], cwd=ade,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith('mmseg_inceptionnext.safety.dataset_check.DatasetLayoutError: '
                           + expected), last
    assert not (ade / 'w').exists()
