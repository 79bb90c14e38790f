"""``benchmark --plot``: the picture of a run, drawn from the results and their machine."""
import json

import numpy as np
import pytest
from PIL import Image

from mmseg_inceptionnext import benchmark as bm
from mmseg_inceptionnext.cli.benchmark import main

BASELINE_BLUE = (0x1f, 0x4e, 0x79)
BAR_BLUE = (0x5b, 0x9b, 0xd5)


def _results():
    return [bm.Result('timm_convnext_tiny', 'infer', img_per_s=10.0, ratio=1.0),
            bm.Result('inceptionnext_t', 'infer', img_per_s=13.0, ratio=1.3),
            bm.Result('timm_convnext_tiny', 'train', img_per_s=3.0, ratio=1.0),
            bm.Result('inceptionnext_t', 'train', img_per_s=4.5, ratio=1.5)]


def _colours(path):
    image = np.asarray(Image.open(path).convert('RGB'))
    return image, {tuple(c) for c in image.reshape(-1, 3)[::7]}


def test_plot_draws_every_mode_with_its_bars(tmp_path):
    path = tmp_path / 'speed.png'
    bm.plot_results(str(path), _results(), 'timm_convnext_tiny', bm.environment('cpu'))
    image, colours = _colours(path)
    assert image.shape[0] >= 200 and image.shape[1] >= 1000  # two panels side by side
    assert image.std() > 10  # not blank
    assert BASELINE_BLUE in colours and BAR_BLUE in colours
    # the bars are as long as the rates: inceptionnext_t's (13) is longer than the baseline's
    rows = {c: (image == c).all(axis=2).sum(axis=1).max() for c in (BASELINE_BLUE, BAR_BLUE)}
    assert rows[BAR_BLUE] > rows[BASELINE_BLUE]


def test_from_json_redraws_a_saved_run(tmp_path, capsys):
    saved, path = tmp_path / 'run.json', tmp_path / 'speed.png'
    bm.write_json(str(saved), _results(), dict(baseline='timm_convnext_tiny'), 'cpu')
    main(['--from-json', str(saved), '--plot', str(path)])
    assert capsys.readouterr().out.strip() == f'plot: {path}'
    image, colours = _colours(path)
    assert image.std() > 10 and BASELINE_BLUE in colours
    assert json.loads(saved.read_text())['environment']['cpu'] == bm.environment()['cpu']


def test_an_output_folder_that_does_not_exist_is_refused_before_timing(tmp_path, capsys):
    for flag in ('--plot', '--json'):
        with pytest.raises(SystemExit) as exit_:
            main(['--models', 'inceptionnext_t', flag, str(tmp_path / 'missing' / 'run.out')])
        assert exit_.value.code == 2
        err = capsys.readouterr().err
        assert f"{flag} {tmp_path / 'missing' / 'run.out'}: the folder" in err, err
