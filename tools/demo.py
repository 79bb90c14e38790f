"""The README's main job on built-in data: ``python tools/demo.py`` (``make demo``).

Thin wrapper: the code is ``mmseg_inceptionnext.cli.demo``, the same as
``python -m mmseg_inceptionnext demo ...`` (see ``--help``). It runs on the installed
package (``pip install -e .`` for this repository; ``make demo`` / ``make test`` do it).
"""
import sys

from mmseg_inceptionnext.cli import run

if __name__ == '__main__':
    sys.exit(run('demo', sys.argv[1:]))
