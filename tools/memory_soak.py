"""Resident-memory growth of a long demo run: ``python tools/memory_soak.py``.

Thin wrapper: the code is ``mmseg_inceptionnext.cli.soak``, the same as
``python -m mmseg_inceptionnext soak ...`` (see ``--help``). It runs on the installed
package (``pip install -e .`` for this repository; ``make demo`` / ``make test`` do it).
"""
import sys

from mmseg_inceptionnext.cli import run

if __name__ == '__main__':
    sys.exit(run('soak', sys.argv[1:]))
