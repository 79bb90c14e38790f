"""Train a MMSegmentation or MMDetection config: ``python tools/train.py CONFIG [options]``.

Thin wrapper: the code is ``mmseg_inceptionnext.cli.train``, the same as
``python -m mmseg_inceptionnext train ...`` (see ``--help``). It runs on the installed
package (``pip install -e .`` for this repository; ``make demo`` / ``make test`` do it).
"""
import sys

from mmseg_inceptionnext.cli import run

if __name__ == '__main__':
    sys.exit(run('train', sys.argv[1:]))
