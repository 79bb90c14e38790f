"""Stock MMSegmentation / MMDetection entry points on one checkpoint, in one fresh process.

Run by ``tests/test_stock_tools.py`` as a user's script would run (from the user's project
folder, with nothing of this package imported before the config is read):

    python stock_entry_points.py apis mmseg CONFIG IMAGE CHECKPOINT [CHECKPOINT ...]
    python stock_entry_points.py refuse mmseg CONFIG IMAGE CHECKPOINT

``apis`` loads each checkpoint with the toolbox's inferencer and its ``init_model`` /
``init_detector``, predicts ``IMAGE`` with both, and prints (JSON) whether each model holds
exactly the checkpoint's weights and whether both predict the same. ``refuse`` runs every
entry point (inferencer, init function, stock ``train.py --resume``, stock ``test.py``) on a
checkpoint that must be refused, and prints each one's error.
"""
import importlib.util
import json
import os.path as osp
import runpy
import sys

import torch


def stock_tool(toolbox: str, name: str) -> str:
    """Path of a tool shipped in the toolbox's wheel (``<package>/.mim/tools/<name>``)."""
    origin = importlib.util.find_spec(toolbox).origin
    return osp.join(osp.dirname(origin), '.mim', 'tools', name)


def run_script(path: str, argv) -> None:
    saved = sys.argv
    sys.argv = [path, *argv]
    try:
        runpy.run_path(path, run_name='__main__')
    except SystemExit as exc:
        if exc.code not in (None, 0):
            raise RuntimeError(f'{path} exited with {exc.code}') from None
    finally:
        sys.argv = saved


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


def refuse(toolbox: str, config: str, checkpoint: str, image: str) -> dict:
    """Every entry point on ``checkpoint``; each one's error (None if it loaded)."""
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
    }
    errors = {}
    for name, call in entry_points.items():
        try:
            call()
            errors[name] = None
        except Exception as exc:  # noqa: BLE001  (reported, judged by the test)
            errors[name] = f'{type(exc).__name__}: {exc}'
    return errors


def main() -> None:
    mode, toolbox, config, image, *checkpoints = sys.argv[1:]
    if mode == 'apis':
        apis = seg_apis if toolbox == 'mmseg' else det_apis
        out = {ckpt: apis(config, ckpt, image) for ckpt in checkpoints}
    else:
        out = refuse(toolbox, config, checkpoints[0], image)
    print('RESULT ' + json.dumps(out))


if __name__ == '__main__':
    main()
