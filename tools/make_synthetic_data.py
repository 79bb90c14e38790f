"""Write a synthetic ADE20K- or COCO-layout dataset: ``python tools/make_synthetic_data.py``.

Thin wrapper: the code is ``mmseg_inceptionnext.cli.data``, the same as
``python -m mmseg_inceptionnext data ...`` (see ``--help``). It runs on the installed
package (``pip install -e .`` for this repository; ``make demo`` / ``make test`` do it).
"""
import sys

from mmseg_inceptionnext.cli import run

if __name__ == '__main__':
    sys.exit(run('data', sys.argv[1:]))
