"""How close each fast form of a trained segmentor stays to the fp32 eager model.

    python -m mmseg_inceptionnext fidelity CONFIG CHECKPOINT
        [--forms eager fused compiled onnx int8] [--calibration IMAGE_OR_DIR ...] [--json PATH]

Prints, per form: the per-stage cosine similarity of the backbone's features to fp32 eager on
real photographs (shipped with scikit-image), and the config's test metrics (mIoU) with the
whole segmentor in that form, next to the eager model's. int8 is calibrated on the first
training images (or ``--calibration``), never on what it is measured on. A calibration file
that cannot be read is named and left out; the command then lists such files and exits with
status 1.
"""
import argparse
import json

from mmseg_inceptionnext.deploy.fidelity import FORMS


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--forms', nargs='+', default=list(FORMS), choices=FORMS)
    parser.add_argument('--calibration', nargs='+', metavar='IMAGE_OR_DIR',
                        help='int8 calibration images (default: 8 training images)')
    parser.add_argument('--work-dir', help='where the test runs log (default: a temp dir)')
    parser.add_argument('--json', metavar='PATH', help='also write the figures as JSON')
    args = parser.parse_args(argv)
    from mmseg_inceptionnext.benchmark import describe, environment
    from mmseg_inceptionnext.deploy.fidelity import miou_by_form, stage_cosine
    from mmseg_inceptionnext.deploy.segmentor import preprocessing_of
    from mmseg_inceptionnext.plugin.config_names import resolve_config
    from mmseg_inceptionnext.runs.seg_drawing import SkipLog, list_images, load_segmentor

    forms = list(dict.fromkeys(['eager'] + args.forms))
    config = resolve_config(args.config)
    calibration = list_images(args.calibration) if args.calibration else ()
    skipped = SkipLog()
    metrics = miou_by_form(config, args.checkpoint, forms, work_dir=args.work_dir,
                           calibration_files=calibration, on_skip=skipped)
    model = load_segmentor(config, args.checkpoint)
    from mmengine.config import Config
    cfg = Config.fromfile(config)
    pre = preprocessing_of(cfg)
    size = tuple(cfg.get('crop_size') or (224, 224))
    cosines = stage_cosine(model.backbone.eval(), forms, size, mean=pre['mean'], std=pre['std'])
    env = environment('cpu')
    print(describe(env))
    key = 'mIoU' if 'mIoU' in metrics['eager'] else sorted(metrics['eager'])[0]
    print(f"{'form':9s} {key:>7s} {'delta':>7s}   backbone stage cosine to fp32 eager "
          f"(photographs at {size[0]}x{size[1]})")
    for form in forms:
        value, base = metrics[form][key], metrics['eager'][key]
        cos = ' '.join(f'{c:.5f}' for c in cosines.get(form, [1.0] * 4))
        print(f'{form:9s} {value:7.2f} {value - base:+7.2f}   {cos}')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(config=config, checkpoint=args.checkpoint, metrics=metrics,
                           stage_cosine=cosines, photo_size=size, environment=env,
                           skipped=[dict(item._asdict()) for item in skipped.items]), f, indent=2)
    return skipped.summarize('int8 calibrated on the readable images') if skipped.items else 0


if __name__ == '__main__':
    main()
