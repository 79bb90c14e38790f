"""The command line of mmseg_inceptionnext, for pip users and the repository alike.

    python -m mmseg_inceptionnext COMMAND [ARGS ...]      (or: mmseg-inceptionnext COMMAND ...)

Each command is a module of this package with a ``main(argv)``; the repository's
``tools/*.py`` are thin wrappers over the same functions. A CONFIG argument is a file path or
one of this package's configs by name, ``mmseg_inceptionnext::upernet_inceptionnext_t_ade20k.py``.
"""
from __future__ import annotations

import importlib
import sys
from typing import Dict, List, Optional, Sequence, Tuple

PROG = 'mmseg-inceptionnext'

#: command -> (module of this package, one-line description)
COMMANDS: Dict[str, Tuple[str, str]] = {
    'train': ('train', 'train a segmentor or detector config'),
    'test': ('test', 'evaluate a checkpoint (mIoU or COCO mAP), optionally with TTA'),
    'infer': ('infer', 'segment images and write colour overlays'),
    'flops': ('flops', 'parameters and MACs of configs'),
    'benchmark': ('benchmark', 'training / inference speed of backbones or segmentors'),
    'export': ('export', 'export a backbone or a segmentor to ONNX (fp32 or int8), checked '
               'in ONNX Runtime'),
    'fidelity': ('fidelity', 'accuracy of the fused, compiled, ONNX and int8 forms against '
                 'fp32 eager'),
    'convert': ('convert', 'turn a classification checkpoint into a backbone checkpoint'),
    'data': ('data', 'write a small synthetic dataset in ADE20K or COCO layout'),
    'demo': ('demo', 'train and evaluate on built-in data: `demo` (segmentation) or `demo det`'),
    'soak': ('soak', 'train the demo for a while and report resident-memory growth'),
    'configs': ('configs', 'list the configs that ship with the package'),
}


def usage() -> str:
    width = max(map(len, COMMANDS))
    lines = [f'usage: {PROG} COMMAND [ARGS ...]   (or: python -m mmseg_inceptionnext ...)', '',
             'commands:']
    lines += [f'  {name:{width}s}  {text}' for name, (_, text) in COMMANDS.items()]
    lines += ['', f'`{PROG} COMMAND --help` describes a command. CONFIG arguments take a path '
              'or mmseg_inceptionnext::NAME.']
    return '\n'.join(lines)


def run(command: str, argv: Sequence[str]) -> int:
    """Run one command with its arguments; returns the process exit code."""
    module = importlib.import_module(f'{__name__}.{COMMANDS[command][0]}')
    program = sys.argv[0]
    sys.argv[0] = f'{PROG} {command}'  # argparse's prog, in usage lines and errors
    try:
        result = module.main(list(argv))
    finally:
        sys.argv[0] = program
    return result if isinstance(result, int) else 0


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point of ``python -m mmseg_inceptionnext`` and the ``mmseg-inceptionnext`` script."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ('-h', '--help'):
        print(usage())
        return 0 if argv else 2
    if argv[0] in ('-V', '--version'):
        from ..version import __version__
        print(f'mmseg_inceptionnext {__version__}')
        return 0
    if argv[0] not in COMMANDS:
        print(f'{PROG}: unknown command {argv[0]!r}; the commands are: '
              f'{", ".join(COMMANDS)}', file=sys.stderr)
        return 2
    return run(argv[0], argv[1:])
