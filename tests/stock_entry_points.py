"""Stock MMSegmentation / MMDetection entry points, run one after the other in one fresh
process, as a user's session runs them.

Run by ``tests/e2e/test_stock_tools.py`` as a user's script would run (from the user's project
folder, with nothing of this package imported before the config is read):

    python stock_entry_points.py train mmseg CONFIG BEST_METRIC
    python stock_entry_points.py use mmseg CONFIG IMAGE STOCK_CKPT OURS_CKPT RESUME_DIR EVIL_CKPT

``train`` runs the stock ``train.py`` for 2 iterations into ``work_dirs/stock`` (keeping the
best checkpoint by ``BEST_METRIC``), then ``train.py --resume`` to the config's 4.

``use`` first runs every entry point (inferencer, init function, stock ``train.py --resume``,
stock ``test.py``, and our CLI's ``test``) on ``EVIL_CKPT``, which must be refused, and prints
each one's error (JSON); then the stock ``test.py`` on each of the two checkpoints, ``apis``
on both (the toolbox's inferencer and its ``init_model`` / ``init_detector``: whether each
model holds exactly the checkpoint's weights and whether both predict ``IMAGE`` the same),
our CLI's ``test`` on the stock checkpoint, and the stock ``train.py --resume`` in
``RESUME_DIR`` (whose ``last_checkpoint`` names ours).

Each step's output stands between ``=== BEGIN name ===`` and ``=== END name: ok`` (or the
error), so a test reads its own step (:func:`steps_of`); a failing step does not stop the
next.

:func:`run_as_main` also serves the tests that run a script in their own process
(``tests/conftest.py``).
"""
import importlib.util
import json
import os.path as osp
import re
import runpy
import sys
import traceback

import torch


def stock_tool(toolbox: str, name: str) -> str:
    """Path of a tool shipped in the toolbox's wheel (``<package>/.mim/tools/<name>``)."""
    origin = importlib.util.find_spec(toolbox).origin
    return osp.join(osp.dirname(origin), '.mim', 'tools', name)


def run_as_main(path: str, argv) -> int:
    """``python PATH ARGV`` in this process (the script as ``__main__``): its exit code."""
    saved = sys.argv
    sys.argv = [str(path), *map(str, argv)]
    try:
        runpy.run_path(sys.argv[0], run_name='__main__')
    except SystemExit as exc:
        return 0 if exc.code is None else exc.code
    finally:
        sys.argv = saved
    return 0


def run_script(path: str, argv) -> None:
    """:func:`run_as_main`; an exit code other than 0 raises."""
    code = run_as_main(path, argv)
    if code != 0:
        raise RuntimeError(f'{path} exited with {code}')


def _same_weights(model, checkpoint: str) -> bool:
    expected = torch.load(checkpoint, map_location='cpu', weights_only=True)['state_dict']
    got = model.state_dict()
    return set(got) == set(expected) and all(torch.equal(got[k].cpu(), expected[k])
                                              for k in expected)


def seg_apis(config: str, checkpoint: str, image: str) -> dict:
    from mmseg.apis import MMSegInferencer, inference_model, init_model
    inferencer = MMSegInferencer(model=config, weights=checkpoint, device='cpu')
    by_inferencer = inferencer(image)['predictions']
    model = init_model(config, checkpoint, device='cpu')
    by_api = inference_model(model, image).pred_sem_seg.data[0].numpy()
    return dict(inferencer_weights=_same_weights(inferencer.model, checkpoint),
                init_model_weights=_same_weights(model, checkpoint),
                same_prediction=bool((by_inferencer == by_api).all()),
                shape=list(by_api.shape))


def det_apis(config: str, checkpoint: str, image: str) -> dict:
    from mmdet.apis import DetInferencer, inference_detector, init_detector
    inferencer = DetInferencer(model=config, weights=checkpoint, device='cpu')
    by_inferencer = inferencer(image, return_datasamples=True)['predictions'][0]
    model = init_detector(config, checkpoint, device='cpu')
    by_api = inference_detector(model, image)
    a, b = by_inferencer.pred_instances, by_api.pred_instances
    return dict(inferencer_weights=_same_weights(inferencer.model, checkpoint),
                init_model_weights=_same_weights(model, checkpoint),
                same_prediction=bool(len(a) == len(b) and torch.allclose(a.scores, b.scores)),
                shape=list(by_api.metainfo['ori_shape']))


def our_cli(argv) -> None:
    """A command of ``python -m mmseg_inceptionnext``; an exit code other than 0 raises."""
    from mmseg_inceptionnext.cli import main as cli
    code = cli(argv)
    if code:
        raise RuntimeError(f'mmseg-inceptionnext {argv[0]} exited with {code}')


def refuse(toolbox: str, config: str, checkpoint: str, image: str) -> dict:
    """Every entry point (with our CLI's ``test``) on ``checkpoint``; each one's error (None
    if it loaded)."""
    if toolbox == 'mmseg':
        from mmseg.apis import MMSegInferencer as Inferencer
        from mmseg.apis import init_model
        resume = ['--resume', '--cfg-options', f'load_from={checkpoint}']
    else:
        from mmdet.apis import DetInferencer as Inferencer
        from mmdet.apis import init_detector as init_model
        resume = ['--resume', checkpoint]
    entry_points = {
        'inferencer': lambda: Inferencer(model=config, weights=checkpoint, device='cpu'),
        'init_model': lambda: init_model(config, checkpoint, device='cpu'),
        'train.py --resume': lambda: run_script(
            stock_tool(toolbox, 'train.py'), [config, '--work-dir', 'work_dirs/refuse', *resume]),
        'test.py': lambda: run_script(stock_tool(toolbox, 'test.py'),
                                      [config, checkpoint, '--work-dir', 'work_dirs/refuse']),
        'mmseg-inceptionnext test': lambda: our_cli(
            ['test', config, checkpoint, '--work-dir', 'work_dirs/refuse']),
    }
    errors = {}
    for name, call in entry_points.items():
        try:
            call()
            errors[name] = None
        except Exception as exc:  # noqa: BLE001  (reported, judged by the test)
            errors[name] = f'{type(exc).__name__}: {exc}'
    return errors


def step(name: str, call) -> None:
    """Run ``call()`` between the markers a test finds its output by."""
    print(f'=== BEGIN {name} ===', flush=True)
    try:
        call()
        end = 'ok'
    except Exception as exc:  # noqa: BLE001  (reported, judged by the test)
        traceback.print_exc(file=sys.stdout)
        end = f'{type(exc).__name__}: {exc}'
    sys.stderr.flush()
    print(f'=== END {name}: {end}', flush=True)


def train(toolbox: str, config: str, best: str) -> None:
    train_py = stock_tool(toolbox, 'train.py')
    step('train.py', lambda: run_script(train_py, [
        config, '--work-dir', 'work_dirs/stock', '--cfg-options', 'train_cfg.max_iters=2',
        f'default_hooks.checkpoint.save_best={best}']))
    step('train.py --resume', lambda: run_script(
        train_py, [config, '--work-dir', 'work_dirs/stock', '--resume']))


def use(toolbox: str, config: str, image: str, stock: str, ours: str, resume_dir: str,
        evil: str) -> None:
    step('refuse', lambda: print('RESULT ' + json.dumps(refuse(toolbox, config, evil, image))))
    test_py, train_py = stock_tool(toolbox, 'test.py'), stock_tool(toolbox, 'train.py')
    for ckpt in (stock, ours):
        step(f'test.py {ckpt}', lambda ckpt=ckpt: run_script(
            test_py, [config, ckpt, '--work-dir', 'work_dirs/test']))
    apis = seg_apis if toolbox == 'mmseg' else det_apis
    step('apis', lambda: print('RESULT ' + json.dumps(
        {ckpt: apis(config, ckpt, image) for ckpt in (stock, ours)})))

    step('our test', lambda: our_cli(['test', config, stock, '--work-dir', 'work_dirs/cli_test']))
    step('train.py --resume', lambda: run_script(
        train_py, [config, '--work-dir', resume_dir, '--resume']))


def steps_of(out: str) -> dict:
    """The steps in a process's output: ``{name: (output, 'ok' or the error)}``."""
    found = re.findall(r'^=== BEGIN (.+?) ===\n(.*?)^=== END \1: ([^\n]*)$', out,
                       flags=re.M | re.S)
    return {name: (text, end) for name, text, end in found}


def main() -> None:
    mode, *args = sys.argv[1:]
    {'train': train, 'use': use}[mode](*args)


if __name__ == '__main__':
    main()
