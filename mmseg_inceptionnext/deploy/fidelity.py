"""How close each fast form stays to the fp32 eager model: per-stage cosine similarity of
the backbone's features on real photographs, and mIoU of the whole segmentor on a config's
test split, each form beside the eager model (``python -m mmseg_inceptionnext fidelity``).

Forms: ``eager`` (the reference), ``fused`` (BN and layer scale folded; InceptionNeXt),
``compiled`` (:func:`compile_for_inference`), ``onnx`` (ONNX Runtime, fp32) and ``int8``
(ONNX Runtime, static int8, calibrated on images apart from those it is measured on).
"""
from __future__ import annotations

import copy
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import nn

from ..models.fuse import compile_for_inference, fuse_for_inference
from ..models.inceptionnext import InceptionNeXtNet
from ..runs.seg_drawing import Skipped
from .int8 import (
    FIDELITY_IMAGES,
    calibration_batches,
    read_calibration,
    sample_images,
    to_onnxruntime,
)
from .segmentor import SegmentorNetwork, preprocessing_of

FORMS = ('eager', 'fused', 'compiled', 'onnx', 'int8')


def _fusable(backbone: nn.Module) -> bool:
    return isinstance(backbone, InceptionNeXtNet)


class _PerShape:
    """Builds a form once per input shape (ONNX graphs and compiled code are per shape)."""

    def __init__(self, build: Callable[[torch.Tensor], Callable]) -> None:
        self.build, self.cache = build, {}

    def __call__(self, x: torch.Tensor):
        key = tuple(x.shape)
        if key not in self.cache:
            self.cache[key] = self.build(x)
        return self.cache[key](x)


def make_form(network: nn.Module, form: str, *, calibration: Sequence[np.ndarray] = (),
              mean: Sequence[float], std: Sequence[float],
              fuse_target: Optional[Callable[[nn.Module], nn.Module]] = None,
              exports: Optional[Dict[tuple, Callable]] = None) -> Callable:
    """``network`` (eval mode, not modified) in ``form``: a callable on normalised batches.

    Args:
        network: A backbone or a :class:`SegmentorNetwork`.
        form: One of :data:`FORMS`.
        calibration: RGB images for ``int8`` (resized to each input's size).
        mean, std: The normalisation the network was trained with.
        fuse_target: Picks the InceptionNeXt backbone inside ``network`` for ``fused``
            (default: ``network`` itself).
        exports: One dict for all the forms of one ``network``: the ``onnx`` form keeps its
            fp32 graph per input shape there, and the ``int8`` form quantizes that graph
            instead of exporting the network a second time.
    """
    if form not in FORMS:
        raise ValueError(f'Unknown form {form!r}; valid: {list(FORMS)}.')
    if form == 'eager':
        return network
    net = copy.deepcopy(network).eval()
    if form == 'fused':
        target = fuse_target(net) if fuse_target else net
        if not _fusable(target):
            raise ValueError(f'"fused" folds InceptionNeXt backbones; this one is '
                             f'{type(target).__name__}.')
        fuse_for_inference(target)
        return net
    if form == 'compiled':
        return compile_for_inference(net)

    shared = {} if exports is None else exports

    def build(x: torch.Tensor):
        key = tuple(x.shape)
        if form == 'onnx':
            shared[key] = to_onnxruntime(net, x)  # holds the file as long as it lives
            return shared[key]
        cal = calibration_batches(x.shape[0], tuple(x.shape[2:]), list(calibration),
                                  batches=max(1, len(calibration) // x.shape[0]),
                                  mean=mean, std=std)
        fp32 = shared.get(key)
        return to_onnxruntime(net, x, int8=True, calibration=cal,
                              fp32_onnx=fp32.path if fp32 is not None else None)
    return _PerShape(build)


def stage_cosine(backbone: nn.Module, forms: Sequence[str], size: Tuple[int, int], *,
                 mean: Sequence[float], std: Sequence[float],
                 images: Optional[Sequence[np.ndarray]] = None,
                 calibration: Optional[Sequence[np.ndarray]] = None) -> Dict[str, List[float]]:
    """Per-stage cosine similarity (mean over images) of each form's features to eager fp32.

    Args:
        backbone: A four-stage backbone in eval mode.
        forms: Forms to measure (``eager`` gives 1.0 by definition and is skipped).
        size: (H, W) the photographs are resized to.
        images: RGB photographs (default: scikit-image's :data:`FIDELITY_IMAGES`).
        calibration: Images for int8 (default: scikit-image's calibration photographs,
            which are not among the measured ones).
    """
    from .int8 import preprocess
    images = images if images is not None else sample_images(FIDELITY_IMAGES)
    calibration = calibration if calibration is not None else sample_images()
    x = torch.cat([preprocess(img, size, mean, std) for img in images])
    with torch.inference_mode():
        reference = [t.float() for t in backbone(x)]
    out: Dict[str, List[float]] = {}
    exports: Dict[tuple, Callable] = {}
    for form in forms:
        if form == 'eager':
            continue
        fn = make_form(backbone, form, calibration=calibration, mean=mean, std=std,
                       exports=exports)
        with torch.inference_mode():
            feats = fn(x)
        out[form] = [float(nn.functional.cosine_similarity(r.flatten(1), f.float().flatten(1),
                                                           dim=1).mean())
                     for r, f in zip(reference, feats)]
    return out


def miou_by_form(config: str, checkpoint: str, forms: Sequence[str] = FORMS, *,
                 work_dir: Optional[str] = None, calibration_files: Sequence[str] = (),
                 log: Callable[[str], None] = print,
                 on_skip: Optional[Callable[[Skipped], None]] = None
                 ) -> Dict[str, Dict[str, float]]:
    """The config's test metrics for each form of the segmentor (weights of ``checkpoint``).

    Runs MMSegmentation's own test loop and evaluator once per form, with the segmentor's
    ``encode_decode`` computed by the form's network (whole-image inference).

    Args:
        config: Config path or ``mmseg_inceptionnext::NAME``.
        checkpoint: The trained segmentor.
        forms: Forms to evaluate.
        work_dir: Where the test runs log.
        calibration_files: Image files for int8 calibration (default: the first images of
            the config's training split, never the test split).
        log: Prints the stages.
        on_skip: Called with each calibration file that cannot be read (it is left out).

    Returns:
        ``{form: metrics}``.
    """
    import tempfile

    from mmengine.model import revert_sync_batchnorm

    from ..runs.runner import (
        build_runner,
        load_config,
        prepare_cpu_distributed,
        use_safe_checkpoints,
    )

    cfg = load_config(config, work_dir=work_dir or tempfile.mkdtemp(prefix='fidelity_'))
    cfg.load_from = checkpoint
    use_safe_checkpoints(cfg)
    prepare_cpu_distributed(cfg)
    runner = build_runner(cfg)
    runner.load_or_resume()
    model = revert_sync_batchnorm(runner.model).eval()
    runner.model = model
    pre = preprocessing_of(cfg)
    calibration = []
    if 'int8' in forms:
        files = list(calibration_files) or _training_images(cfg, limit=8)
        calibration = read_calibration(
            files, on_skip if on_skip is not None else (lambda item: None))
    network = SegmentorNetwork(model).eval()
    original = model.encode_decode
    results: Dict[str, Dict[str, float]] = {}
    exports: Dict[tuple, Callable] = {}
    for form in forms:
        fn = make_form(network, form, calibration=calibration, mean=pre['mean'],
                       std=pre['std'], fuse_target=lambda net: net.segmentor.backbone,
                       exports=exports)
        model.encode_decode = original if form == 'eager' else (
            lambda inputs, metas, fn=fn: fn(inputs))
        log(f'[fidelity] testing form {form}')
        results[form] = {k: float(v) for k, v in runner.test().items()}
    model.encode_decode = original
    return results


def _training_images(cfg, limit: int) -> List[str]:
    """The first ``limit`` image files of the config's training split."""
    import os.path as osp

    from ..runs.seg_drawing import list_images
    dataset = cfg.train_dataloader.dataset
    while 'dataset' in dataset and 'data_prefix' not in dataset:  # wrappers
        dataset = dataset.dataset
    folder = osp.join(dataset.get('data_root', ''), dataset.get('data_prefix', {}).get(
        'img_path', ''))
    try:
        return list_images([folder])[:limit]
    except FileNotFoundError as err:
        raise FileNotFoundError(f'No training images for int8 calibration in {folder!r}; '
                                f'pass calibration images explicitly.') from err
