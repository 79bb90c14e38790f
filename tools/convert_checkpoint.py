"""Classification checkpoint -> backbone checkpoint: ``python tools/convert_checkpoint.py``.

Thin wrapper: the code is ``mmseg_inceptionnext.cli.convert``, the same as
``python -m mmseg_inceptionnext convert ...`` (see ``--help``). It runs on the installed
package (``pip install -e .`` for this repository; ``make demo`` / ``make test`` do it).
"""
import sys

from mmseg_inceptionnext.cli import run

if __name__ == '__main__':
    sys.exit(run('convert', sys.argv[1:]))
