"""Export a backbone to ONNX: ``python tools/export_onnx.py --arch tiny --out F``.

Thin wrapper: the code is ``mmseg_inceptionnext.cli.export``, the same as
``python -m mmseg_inceptionnext export ...`` (see ``--help``). It runs on the installed
package (``pip install -e .`` for this repository; ``make demo`` / ``make test`` do it).
"""
import sys

from mmseg_inceptionnext.cli import run

if __name__ == '__main__':
    sys.exit(run('export', sys.argv[1:]))
