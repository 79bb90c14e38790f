"""``python -m mmseg_inceptionnext COMMAND ...``: see :mod:`mmseg_inceptionnext.cli`."""
import sys

from .cli import main

sys.exit(main())
