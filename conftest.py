"""Test-session setup: import blocks first, so that Aesara is configured
(e.g. linked to an optimised BLAS) before any test module imports it."""
import blocks  # noqa: F401

import aesara
import pytest
from aesara.compile.mode import Mode


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
