"""Speed of backbones or segmentors side by side: ``python tools/benchmark.py``.

Thin wrapper: the code is ``mmseg_inceptionnext.cli.benchmark``, the same as
``python -m mmseg_inceptionnext benchmark ...`` (see ``--help``). It runs on the installed
package (``pip install -e .`` for this repository; ``make demo`` / ``make test`` do it).
"""
import sys

from mmseg_inceptionnext.cli import run

if __name__ == '__main__':
    sys.exit(run('benchmark', sys.argv[1:]))
