"""The detection demo on built-in data: ``python tools/demo_det.py [options]``.

Thin wrapper: the code is ``mmseg_inceptionnext.cli.demo_det``, the same as
``python -m mmseg_inceptionnext demo det ...`` (see ``--help``). It runs on the installed
package (``pip install -e .`` for this repository; ``make demo`` / ``make test`` do it).
"""
import sys

from mmseg_inceptionnext.cli import run

if __name__ == '__main__':
    sys.exit(run('demo', ['det'] + sys.argv[1:]))
