"""Build hook of Blocks: install ``blocks-aesara-hook.pth``.

The project's metadata is in ``pyproject.toml``. This file only adds a step
to the build: writing a ``.pth`` file into the wheel, so that it lands in
``site-packages`` and the interpreter runs its line at start-up. The line
installs :mod:`_blocks_aesara_hook`, which configures Aesara for Blocks the
first time Aesara is imported, whatever the import order (see "How Blocks
configures Aesara" in ``docs/setup.rst``). It works for regular and
editable installs (``pip install .`` and ``pip install -e .``).

"""
import os

from setuptools import Command, setup
from setuptools.command.build import build

PTH_NAME = 'blocks-aesara-hook.pth'
# Site-packages .pth files are read in the order of their names: this one
# comes after the __editable__.*.pth of an editable install, which makes
# _blocks_aesara_hook importable.
PTH_LINE = 'import _blocks_aesara_hook; _blocks_aesara_hook.install()\n'


class build_aesara_hook(Command):
    """Write :data:`PTH_NAME` where the wheel's contents are gathered."""
    description = 'write the start-up file ' + PTH_NAME
    user_options = []

    def initialize_options(self):
        self.build_lib = None
        self.editable_mode = False

    def finalize_options(self):
        self.set_undefined_options('build_py', ('build_lib', 'build_lib'))

    def run(self):
        directories = [self.build_lib]
        if self.editable_mode:
            # An editable wheel is made of what the install step writes,
            # not of build_lib (see setuptools' editable_wheel command).
            directories.append(
                self.get_finalized_command('install').install_lib)
        for directory in directories:
            os.makedirs(directory, exist_ok=True)
            with open(os.path.join(directory, PTH_NAME), 'w') as pth_file:
                pth_file.write(PTH_LINE)

    def get_outputs(self):
        return [os.path.join(self.build_lib, PTH_NAME)]

    def get_output_mapping(self):
        return {}

    def get_source_files(self):
        return []


class build_with_aesara_hook(build):
    sub_commands = build.sub_commands + [('build_aesara_hook', None)]


setup(cmdclass={'build': build_with_aesara_hook,
                'build_aesara_hook': build_aesara_hook})
