"""The command line of mmseg_inceptionnext, for pip users and the repository alike.

    python -m mmseg_inceptionnext COMMAND [ARGS ...]      (or: mmseg-inceptionnext COMMAND ...)

Each command is a module of this package with a ``main(argv)``; the repository's
``tools/*.py`` are thin wrappers over the same functions. A CONFIG argument is a file path or
one of this package's configs by name, ``mmseg_inceptionnext::upernet_inceptionnext_t_ade20k.py``.
"""
from __future__ import annotations

import importlib
import os
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
              'or mmseg_inceptionnext::NAME. --debug (or MMSEG_INCEPTIONNEXT_DEBUG=1) shows the '
              'traceback of an error.']
    return '\n'.join(lines)


#: Set to 1 to see the traceback of every error (as ``--debug`` does).
DEBUG_SWITCH = 'MMSEG_INCEPTIONNEXT_DEBUG'
#: Errors our code raises on purpose, with the fix in their message (with our own classes).
_STATED = (ValueError, FileNotFoundError, NotADirectoryError, IsADirectoryError,
           PermissionError, ImportError)


def stated_error(exc: BaseException) -> bool:
    """Whether ``exc`` is an error this package raised on purpose (its message names the
    problem and the fix), not one it did not expect: a class of this package, or one of
    :data:`_STATED` raised by this package's own code."""
    if type(exc).__module__.startswith('mmseg_inceptionnext'):
        return True
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    raised_in = tb.tb_frame.f_globals.get('__name__', '') if tb is not None else ''
    return isinstance(exc, _STATED) and raised_in.startswith('mmseg_inceptionnext')


def run(command: str, argv: Sequence[str]) -> int:
    """Run one command with its arguments; returns the process exit code.

    An error the package raises on purpose is printed as one message and exits with 1;
    ``--debug`` (or ``MMSEG_INCEPTIONNEXT_DEBUG=1``) shows its traceback instead. Errors it did
    not expect keep their traceback."""
    argv = list(argv)
    debug = '--debug' in argv or os.environ.get(DEBUG_SWITCH, '0') not in ('', '0')
    argv = [a for a in argv if a != '--debug']
    module = importlib.import_module(f'{__name__}.{COMMANDS[command][0]}')
    program = sys.argv[0]
    sys.argv[0] = f'{PROG} {command}'  # argparse's prog, in usage lines and errors
    try:
        result = module.main(argv)
    except Exception as exc:  # noqa: BLE001  (re-raised unless it is one of ours)
        if debug or not stated_error(exc):
            raise
        print(f'{PROG} {command}: {type(exc).__name__}: {exc}\n(--debug shows the traceback)',
              file=sys.stderr)
        return 1
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
