"""Arguments that several commands share: the run options of ``train`` / ``test`` and the
options of the two demos."""
import argparse
import os
import subprocess
import sys
import time
from typing import Dict, List, Tuple

from mmengine.config import DictAction

#: On/off options of ``train`` and ``test``.
RUN_SWITCHES = (
    ('--unsafe-pickle', 'allow checkpoints that need pickled code (trusted files only)'),
    ('--quiet', 'show only progress and metrics; the whole output goes to WORK_DIR/console.log'),
)


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """``--cfg-options``, ``--unsafe-pickle``, ``--quiet``, ``--launcher`` and
    ``--local-rank``."""
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config keys, e.g. train_cfg.max_iters=1000')
    for flag, text in RUN_SWITCHES:
        parser.add_argument(flag, action='store_true', help=text)
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def parse_run_args(parser: argparse.ArgumentParser, argv=None) -> argparse.Namespace:
    """Parse, and export ``LOCAL_RANK`` as ``torch.distributed`` launchers expect."""
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def iterations(text: str) -> int:
    """An ``--iters`` value: at least 2 (warm-up, then decay)."""
    value = int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f'needs at least 2 iterations (warm-up, then decay), '
                                         f'got {value}')
    return value


def demo_parser(description: str, *, config: str, data_root: str,
                work_dir: str) -> argparse.ArgumentParser:
    """The options both demos take, with their defaults."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('--config', default=config)
    parser.add_argument('--data-root', default=data_root,
                        help='where the synthetic dataset is written (or found)')
    parser.add_argument('--work-dir', default=work_dir)
    parser.add_argument('--num-train', type=int, default=400)
    parser.add_argument('--num-val', type=int, default=60)
    parser.add_argument('--size', type=int, default=128, help='image side in pixels')
    parser.add_argument('--iters', type=iterations,
                        help='training iterations, at least 2 (default: the config)')
    parser.add_argument('--panel-images', type=int, default=4)
    return parser


def train_then_test(config: str, work_dir: str, train_options: List[str],
                    test_options: Dict[str, str], tag: str) -> Tuple[str, dict, float]:
    """Train ``config`` with the ``train`` command in a child process, then evaluate its last
    checkpoint with the ``test`` command's code path: the demos' shared middle.

    Args:
        config: Config path or ``mmseg_inceptionnext::NAME``.
        work_dir: Training work directory (the test writes to ``work_dir/test``).
        train_options: ``key=value`` overrides for training.
        test_options: Overrides for testing.
        tag: Prefix of the printed lines, e.g. ``'[demo]'``.

    Returns:
        ``(checkpoint, metrics, seconds the training took)``.
    """
    cmd = [sys.executable, '-m', 'mmseg_inceptionnext', 'train', config, '--work-dir',
           work_dir, '--quiet', '--cfg-options', *train_options]
    print(tag, 'training:', ' '.join(cmd), flush=True)
    start = time.time()
    subprocess.run(cmd, check=True)
    seconds = time.time() - start
    with open(os.path.join(work_dir, 'last_checkpoint')) as f:
        checkpoint = f.read().strip()
    from mmseg_inceptionnext.runs.runner import test
    print(tag, f'evaluating {checkpoint} on the held-out split', flush=True)
    metrics = test(config, checkpoint, work_dir=os.path.join(work_dir, 'test'),
                   cfg_options=test_options, quiet=True)
    return checkpoint, metrics, seconds
