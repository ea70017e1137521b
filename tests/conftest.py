"""Fixtures shared by the test modules: one headless browser for all."""
import os

import pytest


@pytest.fixture(scope='session')
def browser():
    """A headless Chromium (see :mod:`tests.browser`), started once.

    Skipped when no Chromium or Chrome is installed, except in CI (the
    ``CI`` environment variable is set), where ``.ci/run`` installs it.

    """
    from blocks.plot.export import find_browser
    from tests.browser import HeadlessBrowser
    try:
        executable = find_browser()
    except RuntimeError as exc:
        if os.environ.get('CI'):
            raise
        pytest.skip('no headless browser: {}'.format(exc))
    headless = HeadlessBrowser(executable)
    yield headless
    headless.close()


@pytest.fixture(autouse=True, scope='module')
def fresh_default_mode():
    """Forget Aesara's cached default mode after every test module.

    Aesara 2.9.4 caches the default mode the first time it is asked for
    and returns the cached one as long as its class matches the
    configured mode's: a function compiled inside
    ``aesara.config.change_flags(mode='FAST_COMPILE')`` would leave every
    later function of the process compiled in FAST_COMPILE (slower, and
    rounded differently from a fresh process, which breaks the
    bit-for-bit comparisons of resumed runs).

    """
    yield
    import sys
    mode = sys.modules.get('aesara.compile.mode')
    if mode is not None:
        mode.instantiated_default_mode = None
