"""Build hooks that setup.cfg cannot express: the start-up file ``mmseg_inceptionnext_startup.pth``.

The ``.pth`` goes to the root of ``site-packages`` (next to the packages), where Python's
``site`` module runs its one line at start-up; see ``mmseg_inceptionnext_startup.py`` for
what that line does and how to switch it off. It is written into the regular wheel by
``build_py`` and into the editable wheel (``pip install -e``) through the directory
setuptools installs that wheel's own files from.
"""
import os

from setuptools import setup
from setuptools.command.build_py import build_py

PTH_NAME = 'mmseg_inceptionnext_startup.pth'
PTH_LINE = 'import mmseg_inceptionnext_startup; mmseg_inceptionnext_startup.install()\n'


class BuildPyWithStartupPth(build_py):
    """``build_py`` that also writes the start-up ``.pth``."""

    def run(self):
        super().run()
        if getattr(self, 'editable_mode', False):
            # editable wheels are assembled from the install command's target directory
            target = self.get_finalized_command('install').install_lib
        else:
            target = self.build_lib
        os.makedirs(target, exist_ok=True)
        with open(os.path.join(target, PTH_NAME), 'w') as f:
            f.write(PTH_LINE)

    def get_outputs(self, *args, **kwargs):
        outputs = super().get_outputs(*args, **kwargs)
        if not getattr(self, 'editable_mode', False):
            outputs.append(os.path.join(self.build_lib, PTH_NAME))
        return outputs


setup(cmdclass={'build_py': BuildPyWithStartupPth})
