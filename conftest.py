"""Test-session setup.

Import blocks first, so that Aesara is configured (e.g. linked to an
optimised BLAS) before any test module imports it, and give the session its
own checkpoint signing key, so that tests never create or use the key in
the user's home directory (subprocesses inherit it).
"""
import importlib.util
import os
import tempfile

os.environ.setdefault('BLOCKS_CHECKPOINT_KEY', os.path.join(
    tempfile.mkdtemp(prefix='blocks-test-key-'), 'checkpoint.key'))

import blocks  # noqa: E402,F401

import aesara  # noqa: E402
import pytest  # noqa: E402
from aesara.compile.mode import Mode  # noqa: E402


@pytest.fixture(scope='module')
def python_linker():
    """Run compiled functions with NumPy implementations (Aesara's Python
    linker).

    For test modules that check numbers computed by many graphs against
    NumPy: compiling each graph to C would dominate their time, and the C
    code of Aesara's Ops is not what they test. Use it with
    ``pytestmark = pytest.mark.usefixtures('python_linker')``.

    """
    # A Mode instance, not the linker flag: Aesara caches the default mode
    # built from the flags, and later tests would inherit it.
    mode = Mode(linker='py', optimizer=aesara.config.optimizer)
    with aesara.config.change_flags(mode=mode):
        yield

# blocks/jax_ops.py imports jax; without it, its doctests cannot be
# collected (tests/test_backend.py says why its JAX tests are skipped).
collect_ignore = []
if importlib.util.find_spec('jax') is None:
    collect_ignore.extend(['blocks/jax_ops.py', 'blocks/jax_conv.py'])
