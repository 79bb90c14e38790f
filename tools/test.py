"""Evaluate a checkpoint: ``python tools/test.py CONFIG CHECKPOINT [--tta] [options]``.

Thin wrapper: the code is ``mmseg_inceptionnext.cli.test``, the same as
``python -m mmseg_inceptionnext test ...`` (see ``--help``). It runs on the installed
package (``pip install -e .`` for this repository; ``make demo`` / ``make test`` do it).
"""
import sys

from mmseg_inceptionnext.cli import run

if __name__ == '__main__':
    sys.exit(run('test', sys.argv[1:]))
