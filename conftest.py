"""Test-session setup.

Import blocks first, so that Aesara is configured (e.g. linked to an
optimised BLAS) before any test module imports it, and give the session its
own checkpoint signing key, so that tests never create or use the key in
the user's home directory (subprocesses inherit it).
"""
import os
import tempfile

os.environ.setdefault('BLOCKS_CHECKPOINT_KEY', os.path.join(
    tempfile.mkdtemp(prefix='blocks-test-key-'), 'checkpoint.key'))

import blocks  # noqa: E402,F401
