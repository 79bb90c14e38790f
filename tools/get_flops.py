"""Parameters and MACs of configs: ``python tools/get_flops.py CONFIG [...]``.

Thin wrapper: the code is ``mmseg_inceptionnext.cli.flops``, the same as
``python -m mmseg_inceptionnext flops ...`` (see ``--help``). It runs on the installed
package (``pip install -e .`` for this repository; ``make demo`` / ``make test`` do it).
"""
import sys

from mmseg_inceptionnext.cli import run

if __name__ == '__main__':
    sys.exit(run('flops', sys.argv[1:]))
