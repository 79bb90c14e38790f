"""``infer`` over folders: a bad input is named and skipped, every good image gets its
overlay, same-named images of two folders keep apart, and the exit status says something was
skipped."""
import os

import numpy as np
import pytest
import torch
from PIL import Image

from mmseg_inceptionnext.cli import main
from mmseg_inceptionnext.runs.seg_drawing import output_names
from tests.conftest import TINY_SEG


@pytest.fixture(scope='module')
def tiny_segmentor(tmp_path_factory):
    """The tiny demo UperNet with random weights: ``(config, checkpoint)``."""
    from mmengine.config import Config

    from mmseg_inceptionnext.runs.runner import build_model
    tmp = tmp_path_factory.mktemp('tiny')
    config = tmp / 'tiny_upernet.py'
    config.write_text(TINY_SEG)
    cfg = Config.fromfile(str(config))
    torch.manual_seed(0)
    meta = dict(dataset_meta=dict(classes=cfg.metainfo['classes'],
                                  palette=cfg.metainfo['palette']))
    torch.save(dict(state_dict=build_model(cfg).state_dict(), meta=meta), tmp / 'tiny.pth')
    return str(config), str(tmp / 'tiny.pth')


def _photo(path, seed, size=(40, 56)):
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 255, (*size, 3), dtype=np.uint8)).save(path, quality=95)


def _bad_folder(root):
    """Good photos beside a truncated JPEG, a text file named .jpg, a dangling link and a
    folder named .png; and a second folder with a photo of the same name."""
    one, two = root / 'one', root / 'two'
    one.mkdir()
    two.mkdir()
    for i, name in enumerate(('a.jpg', 'b.png', 'same.jpg')):
        _photo(one / name, i)
    _photo(two / 'same.jpg', 9)
    _photo(root / 'whole.jpg', 5)
    (one / 'truncated.jpg').write_bytes((root / 'whole.jpg').read_bytes()[:600])
    (one / 'notes.jpg').write_text('not an image\n')
    os.symlink(root / 'missing.jpg', one / 'dangling.jpg')
    (one / 'folder.png').mkdir()
    return one, two


def test_bad_inputs_are_skipped_and_the_rest_written(tmp_path, tiny_segmentor, capsys):
    one, two = _bad_folder(tmp_path)
    out = tmp_path / 'out'
    before = out / 'one' / 'a.png'
    before.parent.mkdir(parents=True)
    before.write_bytes(b'an earlier overlay')
    code = main(['infer', *tiny_segmentor, str(one), str(two), '--out-dir', str(out)])
    captured = capsys.readouterr()
    assert code == 1
    written = sorted(str(p.relative_to(out)) for p in out.rglob('*.png') if p.is_file())
    assert written == ['one/a.png', 'one/b.png', 'one/same.png', 'two/same.png']
    # both same-named inputs have their own overlay, of their own image
    assert not np.array_equal(np.asarray(Image.open(out / 'one' / 'same.png')),
                              np.asarray(Image.open(out / 'two' / 'same.png')))
    assert Image.open(before).size == (56, 40)  # a real overlay now, at the image's size
    bad = ('truncated.jpg', 'notes.jpg', 'dangling.jpg', 'folder.png')
    for name in bad:  # named once as it is skipped, and once in the summary
        assert captured.err.count(f'{one / name}:') == 2, (name, captured.err)
    assert '4 of 8 images written to' in captured.err and '4 skipped:' in captured.err
    assert 'Traceback' not in captured.err
    assert captured.out.splitlines()[-4:] == [str(out / w) for w in
                                    ('one/a.png', 'one/b.png', 'one/same.png', 'two/same.png')]


def test_a_folder_of_good_images_exits_zero(tmp_path, tiny_segmentor, capsys):
    for i in range(3):
        _photo(tmp_path / f'{i}.jpg', i)
    code = main(['infer', *tiny_segmentor, str(tmp_path), '--out-dir', str(tmp_path / 'out')])
    assert code == 0
    assert sorted(os.listdir(tmp_path / 'out')) == ['0.png', '1.png', '2.png']
    assert '3 of 3 images written' in capsys.readouterr().err


def test_output_names_never_collide():
    assert output_names(['d/a.jpg', 'd/b.png']) == ['a.png', 'b.png']
    assert output_names(['x/one/a.jpg', 'x/two/a.jpg']) == ['one/a.png', 'two/a.png']
    assert output_names(['d/a.jpg', 'd/a.png']) == ['a.jpg.png', 'a.png.png']
    names = output_names(['p/q/a.jpg', 'p/a.jpg', 'r/a.jpg'])
    assert len(set(names)) == 3


def test_an_output_folder_that_is_a_file_is_refused(tmp_path, tiny_segmentor, capsys):
    _photo(tmp_path / 'a.jpg', 0)
    (tmp_path / 'out').write_text('a file the user keeps')
    code = main(['infer', *tiny_segmentor, str(tmp_path / 'a.jpg'), '--out-dir',
                 str(tmp_path / 'out')])
    assert code == 1
    err = capsys.readouterr().err
    assert f"NotADirectoryError: The output folder '{tmp_path / 'out'}' is a file" in err, err
    assert (tmp_path / 'out').read_text() == 'a file the user keeps'
