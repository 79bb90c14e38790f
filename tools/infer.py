"""Segment images into colour overlays: ``python tools/infer.py CONFIG CHECKPOINT IMAGES``.

Thin wrapper: the code is ``mmseg_inceptionnext.cli.infer``, the same as
``python -m mmseg_inceptionnext infer ...`` (see ``--help``). It runs on the installed
package (``pip install -e .`` for this repository; ``make demo`` / ``make test`` do it).
"""
import sys

from mmseg_inceptionnext.cli import run

if __name__ == '__main__':
    sys.exit(run('infer', sys.argv[1:]))
